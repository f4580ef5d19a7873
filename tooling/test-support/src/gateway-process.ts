import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

/** apps/gateway, with a trailing slash: where its start scripts run. */
export const gatewayDir = `${dirname(createRequire(import.meta.url).resolve('@ws/gateway/package.json'))}/`;
/** The repository root, with a trailing slash: where `pnpm start` runs. */
export const repoDir = `${resolve(gatewayDir, '../..')}/`;

/**
 * How a test starts the gateway: `source` runs the gateway's own `start` script (from source, as `pnpm start`
 * does, without pnpm); `built` runs its `start:prod` script (`node dist/main.js`) on the bundle in `dir`;
 * `pnpm` runs the repository's `pnpm start`, so the process a test signals is pnpm, as a user's would be;
 * `command` runs anything else (the image's CMD in a laid-out image directory).
 */
export type GatewayLaunch =
  | { kind: 'source' }
  | { kind: 'built'; dir: string }
  | { kind: 'pnpm' }
  | { kind: 'command'; command: string; args: string[]; cwd: string };

/** A package script split into argv, `exec` dropped (the scripts exec node so signals reach it). */
function scriptArgv(script: 'start' | 'start:prod'): string[] {
  const pkg = JSON.parse(readFileSync(`${gatewayDir}package.json`, 'utf8')) as { scripts: Record<string, string> };
  const argv = (pkg.scripts[script] ?? '').split(/\s+/);
  if (argv[0] === 'exec') argv.shift();
  if (argv[0] !== 'node') throw new Error(`unexpected ${script} script: ${pkg.scripts[script]}`);
  return argv.slice(1);
}

function startCommand(launch: GatewayLaunch): { command: string; args: string[]; cwd: string } {
  if (launch.kind === 'command') return launch;
  if (launch.kind === 'pnpm') return { command: 'pnpm', args: ['start'], cwd: repoDir };
  if (launch.kind === 'source') return { command: process.execPath, args: scriptArgv('start'), cwd: gatewayDir };
  // `node dist/main.js` with dist/ replaced by the directory the test built into.
  const args = scriptArgv('start:prod').map((a) => (a.startsWith('dist/') ? `${launch.dir}/${a.slice(5)}` : a));
  return { command: process.execPath, args, cwd: gatewayDir };
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

/** A gateway running in its own process (`await using gw = await startGatewayProcess()`). */
export interface GatewayProcess extends AsyncDisposable {
  port: number;
  /** The gateway's own process id (from its log): with the `pnpm` launch, `proc` is pnpm's. */
  pid: number;
  url: string;
  proc: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: LogLine[];
  stderr(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Sends `signal` and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL if still running (cleanup); also what disposing does. */
  kill(): Promise<void>;
}

function spawnGateway(env: Record<string, string>, launch: GatewayLaunch = { kind: 'source' }) {
  const { command, args, cwd } = startCommand(launch);
  const proc = spawn(command, args, { cwd, env: gatewayEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
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
export async function startGatewayProcess(
  env: Record<string, string> = {},
  timeoutMs = 25_000,
  launch: GatewayLaunch = { kind: 'source' },
): Promise<GatewayProcess> {
  const g = spawnGateway(env, launch);
  let pid = 0;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // The caller never gets a handle to kill: a gateway that was too slow must not outlive the test.
      g.proc.kill('SIGKILL');
      reject(new Error(`gateway did not start in ${timeoutMs} ms\nstderr:\n${g.stderr()}`));
    }, timeoutMs);
    const onLine = (line: LogLine) => {
      if (line.msg === 'listening' && typeof line['port'] === 'number') {
        pid = typeof line['pid'] === 'number' ? line['pid'] : 0;
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
    // Killing pnpm does not kill the gateway under it.
    if (pid !== 0 && pid !== g.proc.pid && isRunning(pid)) process.kill(pid, 'SIGKILL');
  };
  return {
    port,
    pid,
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
    [Symbol.asyncDispose]: kill,
  };
}

/** Runs a gateway that is expected to refuse to start; resolves with its exit code and stderr. */
export async function runGatewayToExit(
  env: Record<string, string>,
  timeoutMs = 25_000,
  launch: GatewayLaunch = { kind: 'source' },
): Promise<{ code: number | null; stderr: string; logs: LogLine[] }> {
  const g = spawnGateway(env, launch);
  const timer = setTimeout(() => g.proc.kill('SIGKILL'), timeoutMs);
  const code = await g.exited;
  clearTimeout(timer);
  return { code, stderr: g.stderr(), logs: g.logs };
}

/** Whether a process with this id exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
