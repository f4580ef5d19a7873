import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (never 6379). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port !== 6379 && port !== 0) return port;
  }
}

export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** A Redis server this test spawned, which it can also freeze. */
export interface SpawnedRedisServer extends RedisServer {
  /** SIGSTOP / SIGCONT: a Redis that keeps its connections open but answers nothing (a stall, not a crash). */
  pause(): void;
  resume(): void;
}

/**
 * Spawns a throwaway `redis-server` without persistence on `port` (a free one by default); `extraArgs` are
 * appended (e.g. `--requirepass`, `--replicaof`).
 */
export async function startRedis(port?: number, extraArgs: readonly string[] = []): Promise<SpawnedRedisServer> {
  const p = port ?? (await freePort());
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${out}`));
    });
  });
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    pause() {
      proc.kill('SIGSTOP');
    },
    resume() {
      proc.kill('SIGCONT');
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGCONT');
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * Spawns a Redis Sentinel on a free port that monitors `master` (quorum 1) under `name`, with `config` lines
 * added to its configuration file in `dir`; resolves once it monitors the master.
 */
export async function startSentinel(
  dir: string,
  name: string,
  masterPort: number,
  config: readonly string[] = [],
): Promise<RedisServer> {
  const port = await freePort();
  const file = join(dir, `sentinel-${port}.conf`);
  await writeFile(
    file,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      ...config,
      '',
    ].join('\n'),
  );
  const proc = spawn('redis-server', [file, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sentinel did not start: ${out}`)), 10_000);
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('+monitor master')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sentinel exited with ${code}: ${out}`));
    });
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
}
