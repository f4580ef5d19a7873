import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** apps/admin-cli, where `pnpm admin` runs `src/main.ts`. */
export const cliDir = fileURLToPath(new URL('../../../', import.meta.url));
/** argv of the CLI exactly as its `start` script runs it. */
export const cliCommand = [process.execPath, '--conditions=@ws/source', '--import', 'tsx', 'src/main.ts'] as const;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The test's environment without anything that would point the CLI elsewhere, plus `env`. */
export function cliEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(WS_|ADMIN_TOKEN$|REDIS_|NO_COLOR$|FORCE_COLOR$|INIT_CWD$)/.test(key)) continue;
    base[key] = value;
  }
  const out: NodeJS.ProcessEnv = { ...base };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/** Runs the real CLI as a subprocess (stdout and stderr are pipes, so not a TTY) and collects its output. */
export function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 90_000,
): Promise<CliResult> {
  const [command, ...prefix] = cliCommand;
  const child = spawn(command, [...prefix, ...args], {
    cwd: cliDir,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`admin ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
