import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { freePort, spawnRedisServer, stopProcess } from './redis-process.js';

const run = promisify(execFile);

export interface RedisClusterProcess {
  ports: number[];
  /** A new cluster client; closed by `stop()`. */
  client(options?: { shardedSubscribers?: boolean }): Cluster;
  stop(): Promise<void>;
}

/** Starts a 3-master Redis Cluster on loopback ports (no persistence, its own temp dir) and waits until it is ok. */
export async function startRedisCluster(): Promise<RedisClusterProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'ws-redis-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stopServers = async () => {
    await Promise.all(children.map((child) => stopProcess(child)));
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
  return {
    ports,
    client: (options = {}) => {
      const c = new Cluster(
        ports.map((port) => ({ host: '127.0.0.1', port })),
        { redisOptions: { maxRetriesPerRequest: 1 }, ...options },
      );
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    stop: async () => {
      for (const c of clients) c.disconnect();
      await stopServers();
    },
  };
}

/** Spawns the three nodes (recording each in `ports`/`children` as it starts), creates the cluster, waits for ok. */
async function startNodes(dir: string, ports: number[], children: ChildProcess[]): Promise<void> {
  for (let i = 0; i < 3; i++) {
    // Cluster bus port is port + 10000: keep the port low enough.
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
  const deadline = Date.now() + 20_000;
  for (;;) {
    const states = await Promise.all(
      ports.map(async (p) => (await run('redis-cli', ['-p', String(p), 'cluster', 'info'])).stdout),
    );
    if (states.every((s) => s.includes('cluster_state:ok'))) break;
    if (Date.now() > deadline) throw new Error('Redis Cluster did not become ok');
    await new Promise((r) => setTimeout(r, 200));
  }
}
