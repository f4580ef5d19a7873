import { connected, nextEvent, request } from '@ws/test-support';
import { redisNodes } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';
import { redisKey } from '../../src/redis-keys.js';

describe('Redis key names', () => {
  const cluster = redisNodes('ws:');

  afterEach(async () => {
    await cluster.close();
  });

  it('joins every part with one ":" whether or not the prefix ends in one', () => {
    expect(redisKey('ws', '{prices:BTC/USDT}', 'seq')).toBe('ws:{prices:BTC/USDT}:seq');
    expect(redisKey('ws:', '{prices:BTC/USDT}', 'seq')).toBe('ws:{prices:BTC/USDT}:seq');
    expect(redisKey('ws:', 'bus')).toBe('ws:bus');
    expect(redisKey('acme:ws', 'rl')).toBe('acme:ws:rl');
  });

  it('with the prefix "ws:", every key and channel a node writes is ws:<part>…, never ws::', async () => {
    const node = await cluster.start({
      rateLimit: {
        namespaces: {
          '/prices': { points: 100, durationSec: 60 },
          '/market': { points: 100, durationSec: 60 },
          '/user': { points: 100, durationSec: 60 },
          '/admin': { points: 100, durationSec: 60 },
        },
      },
    });
    const redis = cluster.redis!.client();
    const client = node.connect('/prices', { token: await node.token({ userId: 'alice' }) });
    await connected(client);
    expect(await request(client, 'subscribe', { symbols: ['BTC/USDT'] })).toMatchObject({ ok: true });
    const got = nextEvent(client, 'price.update');
    await node.server.broadcast.broadcastPriceUpdate('BTC/USDT', { price: 1, bid: 1, ask: 1, volume: 1 });
    await got;
    await node.server.broadcast.broadcastOrderUpdate('alice', {
      orderId: 'o-1',
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      status: 'new',
      price: 1,
      quantity: 1,
      filledQuantity: 0,
    });
    const keys = (await redis.keys('*')).sort();
    expect(keys).toEqual(
      expect.arrayContaining([
        'ws:{prices:BTC/USDT}:seq',
        'ws:{prices:BTC/USDT}:snap',
        'ws:{orders:alice}:seq',
        'ws:{orders:alice}:hist',
        'ws:user-channels:alice',
      ]),
    );
    expect(keys.some((k) => k.startsWith('ws:rl:ev:/prices:'))).toBe(true);
    expect(keys).toContain('ws:rl:hs:127.0.0.1');
    for (const key of keys) expect(key).toMatch(/^ws:[^:]/);
    // The bus: one sharded channel per room this node follows, named in the room's slot.
    const shardChannels = (await redis.pubsub('SHARDCHANNELS', '*')) as string[];
    expect(shardChannels).toContain('ws:{prices:BTC/USDT}:bus');
    for (const channel of shardChannels) expect(channel).toMatch(/^ws:\{[^}]+\}:bus$/);
    const channels = (await redis.pubsub('CHANNELS', '*')) as string[];
    // The adapter's request channels (its broadcast channels are patterns, not listed here).
    expect(channels.some((c) => c.startsWith('ws:adapter-request#/prices#'))).toBe(true);
    for (const channel of channels) expect(channel).toMatch(/^ws:[^:]/);
  });
});
