import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Cluster, type ClusterOptions } from 'ioredis';
import { stopProcess } from './child-process.js';
import { freePort } from './free-port.js';
import { spawnRedisServer } from './redis-server.js';

const run = promisify(execFile);

/** A private three-master Redis Cluster on loopback. */
export interface RedisCluster extends AsyncDisposable {
  readonly ports: readonly number[];
  /** `host:port,host:port,…`, as `REDIS_CLUSTER_NODES` takes it. */
  readonly nodes: string;
  /** A new cluster client (errors swallowed: a test asserts on commands, not on the event); closed by `stop()`. */
  client(options?: ClusterOptions): Cluster;
  /** Disconnects the clients, stops every node and removes the cluster's directory. Idempotent. */
  stop(): Promise<void>;
}

/** Starts a 3-master Redis Cluster (no persistence, its own temp dir) and resolves once every node says ok. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'ws-redis-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stopServers = async () => {
    await Promise.all(children.map((child) => stopProcess(child, 'SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await startNodes(dir, ports, children);
  } catch (err) {
    // A node that failed to start, or a cluster that never became ok, must not leave the others running.
    await stopServers();
    throw err;
  }
  const clients: Cluster[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const c of clients) c.disconnect();
      await stopServers();
    })();
    return stopping;
  };
  return {
    ports,
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    client: (options = {}) => {
      const c = new Cluster(
        ports.map((port) => ({ host: '127.0.0.1', port })),
        { redisOptions: { maxRetriesPerRequest: 1 }, ...options },
      );
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Spawns the three nodes (recording each in `ports`/`children` as it starts), creates the cluster, waits for ok. */
async function startNodes(dir: string, ports: number[], children: ChildProcess[]): Promise<void> {
  for (let i = 0; i < 3; i++) {
    // The cluster bus listens on port + 10000: keep the port low enough.
    let port = await freePort();
    while (port > 55_000) port = await freePort();
    ports.push(port);
    children.push(
      await spawnRedisServer(port, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--dir',
        dir,
      ]),
    );
  }
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  // A bound on start-up, not a timing assertion: slot assignment propagates over the cluster bus.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const states = await Promise.all(
      ports.map(async (p) => (await run('redis-cli', ['-p', String(p), 'cluster', 'info'])).stdout),
    );
    if (states.every((s) => s.includes('cluster_state:ok'))) return;
    if (Date.now() > deadline) throw new Error('Redis Cluster did not become ok');
    await sleep(200);
  }
}
