import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const gatewayDir = fileURLToPath(new URL('../../../', import.meta.url));

/** The gateway's own `start` script, split into argv, so tests run exactly what `pnpm start` runs. */
function startCommand(): { command: string; args: string[] } {
  const pkg = JSON.parse(readFileSync(`${gatewayDir}package.json`, 'utf8')) as { scripts: { start: string } };
  const [command, ...args] = pkg.scripts.start.split(/\s+/);
  if (command !== 'node') throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return { command: process.execPath, args };
}

/** The environment of a spawned gateway: the test's env without any gateway settings, plus `env`. */
function gatewayEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(WS_|REDIS_|LOG_LEVEL$|NODE_ENV$|DEBUG$)/.test(key)) continue;
    base[key] = value;
  }
  return { ...base, NODE_ENV: 'development', WS_PORT: '0', WS_HOST: '127.0.0.1', ...env };
}

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

export interface GatewayProcess {
  port: number;
  url: string;
  proc: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: LogLine[];
  stderr(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Sends `signal` and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL if still running (cleanup). */
  kill(): Promise<void>;
}

function spawnGateway(env: Record<string, string>) {
  const { command, args } = startCommand();
  const proc = spawn(command, args, { cwd: gatewayDir, env: gatewayEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  let stdout = '';
  let stderr = '';
  const listeners = new Set<(line: LogLine) => void>();
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    let nl = stdout.indexOf('\n');
    while (nl >= 0) {
      const text = stdout.slice(0, nl);
      stdout = stdout.slice(nl + 1);
      nl = stdout.indexOf('\n');
      try {
        const line = JSON.parse(text) as LogLine;
        logs.push(line);
        for (const l of listeners) l(line);
      } catch {
        logs.push({ msg: text, unparsed: true });
      }
    }
  });
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code));
  });
  return { proc, logs, listeners, exited, stderr: () => stderr };
}

/** Spawns the gateway from its start script and resolves once it logs `listening` with its port. */
export async function startGateway(env: Record<string, string> = {}, timeoutMs = 25_000): Promise<GatewayProcess> {
  const g = spawnGateway(env);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`gateway did not start in ${timeoutMs} ms\nstderr:\n${g.stderr()}`));
    }, timeoutMs);
    const onLine = (line: LogLine) => {
      if (line.msg === 'listening' && typeof line['port'] === 'number') {
        clearTimeout(timer);
        g.listeners.delete(onLine);
        resolve(line['port']);
      }
    };
    g.listeners.add(onLine);
    g.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening\nstderr:\n${g.stderr()}`));
    });
  });
  const kill = async () => {
    if (g.proc.exitCode === null && g.proc.signalCode === null) {
      g.proc.kill('SIGKILL');
      await g.exited;
    }
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    proc: g.proc,
    logs: g.logs,
    stderr: g.stderr,
    exited: g.exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (g.proc.exitCode !== null || g.proc.signalCode !== null) return g.proc.exitCode;
      g.proc.kill(signal);
      return g.exited;
    },
    kill,
  };
}

/** Runs a gateway that is expected to refuse to start; resolves with its exit code and stderr. */
export async function runGatewayToExit(
  env: Record<string, string>,
  timeoutMs = 25_000,
): Promise<{ code: number | null; stderr: string; logs: LogLine[] }> {
  const g = spawnGateway(env);
  const timer = setTimeout(() => g.proc.kill('SIGKILL'), timeoutMs);
  const code = await g.exited;
  clearTimeout(timer);
  return { code, stderr: g.stderr(), logs: g.logs };
}
