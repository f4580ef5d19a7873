import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface RedisProcess {
  port: number;
  /** A new client connected to this instance; closed by `stop()`. */
  client(): Redis;
  stop(): Promise<void>;
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Spawns a non-persistent `redis-server` on loopback `port` (`extraArgs` appended, e.g. cluster mode) and resolves
 * once it accepts connections. A fixed port lets a test bring a killed Redis back where its clients look for it.
 */
export async function spawnRedisServer(port: number, extraArgs: readonly string[] = []): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    const onExit = (code: number | null) =>
      settle(new Error(`redis-server on port ${port} exited with ${code}: ${out}`));
    const timer = setTimeout(() => settle(new Error(`redis-server on port ${port} did not start: ${out}`)), 10_000);
    child.once('error', settle);
    child.once('exit', onExit);
    // Read whole: the ready line may arrive split over two chunks. Reading goes on so the pipe never fills.
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      if (settled) return;
      out += chunk;
      if (out.includes('Ready to accept connections')) settle();
    });
  });
  return child;
}

/** Sends `signal` unless the process has already exited (by code or by signal), then waits for its exit. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** Spawns a private, non-persistent `redis-server` on a free port (never the shared one on 6379). */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  const child = await spawnRedisServer(port);
  const clients: Redis[] = [];
  return {
    port,
    client: () => {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
      clients.push(c);
      return c;
    },
    stop: async () => {
      for (const c of clients) c.disconnect();
      await stopProcess(child);
    },
  };
}
