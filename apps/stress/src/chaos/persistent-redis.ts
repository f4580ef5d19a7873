import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';

export interface PersistentRedis {
  port: number;
  url: string;
  /** SIGKILL: no shutdown, no final save; what survives is what the append-only file already had. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (it loads the append-only file). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function spawnRedis(port: number, dir: string): Promise<ChildProcess> {
  // AOF, as packages/server/README.md advises for the seq and history keys; `everysec` is Redis' default
  // policy, and a killed process (unlike a lost machine) loses nothing it has acknowledged.
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server on ${port} did not start: ${out}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on ${port} exited with ${code}: ${out}`));
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      if (out.includes('Ready to accept connections')) return;
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

/** A private `redis-server` with AOF persistence in `dir` on loopback `port` (never the shared one on 6379). */
export async function startPersistentRedis(port: number, dir: string): Promise<PersistentRedis> {
  if (port === 6379) throw new Error('never the shared Redis on 6379');
  mkdirSync(dir, { recursive: true });
  let child = await spawnRedis(port, dir);
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => end('SIGKILL'),
    async restart() {
      await end('SIGKILL');
      child = await spawnRedis(port, dir);
    },
    stop: () => end('SIGKILL'),
  };
}
