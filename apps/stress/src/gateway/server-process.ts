import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';

export interface ServerProcessOptions {
  /** Label for errors. */
  name: string;
  /** TypeScript entry, run with `node --conditions=@ws/source --import tsx`; a `.js` one runs on plain `node`. */
  script: string;
  cwd: string;
  env: Record<string, string>;
  /** Loopback port; a free one when absent. */
  port?: number;
  /** Pin the process to this CPU with `taskset` (Linux). */
  cpu?: number | undefined;
  /** Bound on start-up until `/healthz` answers 200 (ms). Default 60 000. */
  readyTimeoutMs?: number;
  /** Extra Node.js flags before the script, e.g. `--trace-gc` or `--cpu-prof` (diagnostics). */
  nodeFlags?: string[];
  /** Also append the process's stdout and stderr to this file (diagnostics). */
  logFile?: string | undefined;
}

export interface ServerProcess {
  name: string;
  url: string;
  port: number;
  pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** A free loopback port (released before returning, so a tiny race remains). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log()}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not healthy within ${timeoutMs} ms:\n${log()}`);
}

/** Starts a server process on loopback and waits until `/healthz` answers; kills it if that fails. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const loader = options.script.endsWith('.js') ? [] : ['--conditions=@ws/source', '--import', 'tsx'];
  const nodeArgs = [...(options.nodeFlags ?? []), ...loader, options.script];
  const [command, args] =
    options.cpu === undefined
      ? [process.execPath, nodeArgs]
      : ['taskset', ['-c', String(options.cpu), process.execPath, ...nodeArgs]];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PORT: String(port), WS_PORT: String(port), WS_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    log?.write(chunk);
  };
  // 'close', not 'exit': output can still arrive after the process has exited, until its pipes close.
  child.once('close', () => log?.end());
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit').catch(() => undefined);
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5_000) => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, child, options.readyTimeoutMs ?? 60_000, () => output);
  } catch (err) {
    await stop(1000);
    throw new Error(`${options.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { name: options.name, url, port, pid: child.pid ?? -1, stop };
}
