import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Cluster, type Redis } from 'ioredis';
import type { Server } from 'socket.io';
import type { MetricsComponent } from '../component-contracts.js';
import type { Logger } from '../logger.js';
import { DEFAULT_REDIS_PREFIX, redisKey } from '../redis-keys.js';
import { adapterRedisView } from './adapter-redis-view.js';

/**
 * Installs the Socket.IO Redis adapter (admin queries, disconnects and maintenance across nodes) and reports
 * the clients' status as `ws_redis_up`. Returns what removes the status listeners from the clients, which the
 * server does not own.
 */
export function attachRedisAdapter(
  io: Pick<Server, 'adapter'>,
  redis: { pub: Redis | Cluster; sub: Redis | Cluster; prefix?: string },
  deps: { metrics: MetricsComponent; logger: Logger },
): () => void {
  const { pub, sub } = redis;
  const key = redisKey(redis.prefix ?? DEFAULT_REDIS_PREFIX, 'adapter');
  const onAdapterError = (err: unknown) => {
    deps.metrics.error('INTERNAL');
    deps.logger.warn({ err }, 'redis adapter command failed');
  };
  const adapterPub = adapterRedisView(pub, onAdapterError);
  const adapterSub = adapterRedisView(sub, onAdapterError);
  // Redis Cluster: the sharded adapter (SSUBSCRIBE per shard) instead of cluster-wide PUBLISH for everything.
  io.adapter(
    pub instanceof Cluster
      ? createShardedAdapter(adapterPub, adapterSub, { channelPrefix: key })
      : createAdapter(adapterPub, adapterSub, { key }),
  );
  const report = () => deps.metrics.setRedisStatus(pub.status === 'ready' && sub.status === 'ready');
  const events = ['ready', 'end', 'close'] as const;
  for (const client of [pub, sub]) for (const event of events) client.on(event, report);
  report();
  return () => {
    for (const client of [pub, sub]) for (const event of events) client.off(event, report);
  };
}
