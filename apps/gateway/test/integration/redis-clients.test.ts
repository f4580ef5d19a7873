import { once } from 'node:events';
import { type RedisServer, startRedis } from '@ws/test-support';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createRedisClients, type RedisClients } from '../../src/redis-clients.js';

describe('createRedisClients', () => {
  let redis: RedisServer | undefined;
  let clients: RedisClients | undefined;
  afterEach(async () => {
    await clients?.quit();
    await redis?.stop();
  });

  it('connects again after ioredis ends a client on its own, and stays ended after quit()', async () => {
    redis = await startRedis();
    clients = createRedisClients(
      { target: { kind: 'url', url: redis.url }, tls: false },
      createLogger({ level: 'silent', nodeId: 'test' }),
    );
    await clients.connect();
    expect(clients.problem()).toBeNull();
    // What ioredis does when a connect attempt itself fails (e.g. a Sentinel failover racing a reconnect).
    const ended = once(clients.pub, 'end');
    clients.pub.disconnect();
    await ended;
    await vi.waitFor(() => expect(clients?.problem()).toBeNull(), { timeout: 15_000, interval: 50 });
    expect(await clients.pub.ping()).toBe('PONG');
    await clients.quit();
    await vi.waitFor(() => expect(clients?.pub.status).toBe('end'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(clients.pub.status).toBe('end');
    clients = undefined;
  });
});
