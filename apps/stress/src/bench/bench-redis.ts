import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RedisServer, startRedis } from '@ws/test-support/redis-server';

const run = promisify(execFile);

/**
 * A fresh, non-persistent `redis-server` on a free loopback port for one Redis target, so neither side
 * of the pair meets the other's keys, and pinned to `cpu` when given: the load generator's CPU, so the
 * server's core stays the server's (Redis is the cluster's cost, not the gateway's process).
 */
export async function startBenchRedis(cpu: number | undefined): Promise<RedisServer> {
  const redis = await startRedis();
  if (cpu === undefined) return redis;
  try {
    await run('taskset', ['-pc', String(cpu), String(redis.process.pid)]);
  } catch (err) {
    await redis.stop();
    throw new Error(`could not pin redis-server to CPU ${cpu}`, { cause: err });
  }
  return redis;
}
