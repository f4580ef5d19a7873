import { type RedisServer, startRedis } from '@ws/test-support';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { adapterRedisView } from '../../src/cluster/adapter-redis-view.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A client of a port nobody listens on: commands wait in the offline queue while it retries. */
function unreachableClient(): Redis {
  const client = new Redis({ port: 1, host: '127.0.0.1', retryStrategy: () => 50, maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  return client;
}

describe('adapterRedisView', () => {
  it('is the client for everything the adapter does', async () => {
    const redis: RedisServer = await startRedis();
    cleanup.push(() => redis.stop());
    const client = redis.client();
    const view = adapterRedisView(client, () => undefined);
    // The adapters tell clients apart by constructor name.
    expect(view.constructor).toBe(client.constructor);
    expect(view).toBeInstanceOf(Redis);
    expect(await view.set('k', 'v')).toBe('OK');
    expect(await view.publish('ch', 'nobody listens')).toBe(0);
  });

  it('reports fire-and-forget commands cut off by closing the client instead of leaving them unhandled', async () => {
    const client = unreachableClient();
    const errors: unknown[] = [];
    const view = adapterRedisView(client, (err) => errors.push(err));
    // Sent without a handler, as the adapter sends them; closing the client rejects both.
    void view.publish('adapter-channel', 'lost');
    void view.unsubscribe('adapter-channel');
    client.disconnect();
    await expect.poll(() => errors.length).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['Connection is closed.', 'Connection is closed.']);
  });

  it('leaves every other command rejecting as usual', async () => {
    const client = unreachableClient();
    const view = adapterRedisView(client, () => undefined);
    const pending = view.get('k');
    client.disconnect();
    await expect(pending).rejects.toThrow('Connection is closed.');
  });
});
