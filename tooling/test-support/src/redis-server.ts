import { type ChildProcess, spawn } from 'node:child_process';
import { Redis, type RedisOptions } from 'ioredis';
import { stopProcess, waitForOutput } from './child-process.js';
import { freePort } from './free-port.js';

/** A private `redis-server` a test spawned: never the shared one on 6379. */
export interface RedisServer extends AsyncDisposable {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly process: ChildProcess;
  /** A new ioredis client of this instance (one retry per command); disconnected by `stop()`. */
  client(options?: RedisOptions): Redis;
  /** SIGSTOP: a Redis that keeps its connections open but answers nothing (a stall, not a crash). */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  /** Disconnects the clients from `client()` and kills the server (nothing to save). Idempotent. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Loopback port; a free one by default. A fixed port lets a test bring a killed Redis back where its clients look. */
  port?: number;
  /** Appended to the command line (e.g. `--requirepass`, `--replicaof`, cluster mode); later options win. */
  args?: readonly string[];
}

/**
 * Spawns a non-persistent `redis-server` on loopback `port` (`extraArgs` appended) and resolves once it accepts
 * connections; a server that fails to start is killed.
 */
export async function spawnRedisServer(port: number, extraArgs: readonly string[] = []): Promise<ChildProcess> {
  if (port === 6379) throw new Error('never the shared Redis on 6379');
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  try {
    await waitForOutput(child, 'Ready to accept connections', `redis-server on port ${port}`);
  } catch (err) {
    await stopProcess(child, 'SIGKILL');
    throw err;
  }
  return child;
}

/** Starts a private, non-persistent `redis-server` (`await using redis = await startRedis()`). */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const child = await spawnRedisServer(port, options.args);
  const clients: Redis[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const c of clients) c.disconnect();
      await stopProcess(child, 'SIGKILL');
    })();
    return stopping;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: child,
    client: (clientOptions = {}) => {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, ...clientOptions });
      clients.push(c);
      return c;
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
