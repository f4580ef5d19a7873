import { closeAll, collect, connect, type RedisServer, request, signToken, startRedis } from '@ws/test-support';
import { startGateway } from '@ws/test-support/gateway';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../src/index.js';
import { parseExposition, sum } from './helpers/prometheus.js';

/** A private publish during a Redis outage: 503 UNAVAILABLE with Retry-After, never a 500, never a lost 202. */
describe('publish API during a Redis outage', () => {
  let redis: RedisServer;
  let gateway: Gateway;
  let serviceToken: string;
  let alice: Socket | undefined;
  let prices: Socket | undefined;
  let wallet: { total: string }[] = [];
  let updates: { price: string }[] = [];

  const walletEvent = (total: number) => ({
    event: 'wallet.update',
    userId: 'alice',
    data: { asset: 'USDT', available: total, locked: 0, total },
  });
  const priceEvent = (price: number) => ({
    event: 'price.update',
    data: { symbol: 'BTC/USDT', price, bid: price, ask: price, volume: 1 },
  });

  async function publish(body: unknown) {
    const res = await fetch(`${gateway.url}/api/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceToken}` },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as { accepted?: number; error?: { code: string; retryAfterMs?: number } },
    };
  }

  async function redisUp(): Promise<number> {
    return sum(parseExposition(await (await fetch(`${gateway.url}/metrics`)).text()), 'ws_redis_up');
  }

  beforeAll(async () => {
    redis = await startRedis();
    gateway = await startGateway({ REDIS_URL: redis.url, REDIS_PREFIX: 'outage:', WS_PUBLISH_REDIS_TIMEOUT_MS: '500' });
    await vi.waitFor(async () => expect(await redisUp()).toBe(1), { timeout: 20_000, interval: 100 });
    serviceToken = signToken({ sub: 'wallets', role: 'service' });
    alice = await connect(gateway.url, '/user', signToken({ sub: 'alice', role: 'user' }));
    wallet = collect(alice, 'wallet.update');
    prices = await connect(gateway.url, '/prices');
    updates = collect(prices, 'price.update');
    expect((await request(prices, 'subscribe', { symbols: ['BTC/USDT'] })).ok).toBe(true);
  });

  afterAll(async () => {
    closeAll([alice, prices]);
    await gateway?.stop();
    await redis?.stop();
  });

  it('accepted before, refused 503 UNAVAILABLE with Retry-After while Redis is down, accepted after; none lost', async () => {
    expect((await publish(walletEvent(1))).status).toBe(202);
    await vi.waitFor(() => expect(wallet.map((w) => w.total)).toEqual(['1']), { timeout: 10_000 });

    const port = redis.port;
    await redis.stop();
    await vi.waitFor(async () => expect(await redisUp()).toBe(0), { timeout: 20_000, interval: 50 });

    const refused = await publish(walletEvent(2));
    expect(refused.status).toBe(503);
    expect(refused.body.error?.code).toBe('UNAVAILABLE');
    expect(refused.body.error?.retryAfterMs).toBe(500);
    expect(refused.retryAfter).toBe('1');
    // A batch with a private item is refused whole: its public item is not sent either.
    const batch = await publish([priceEvent(111), walletEvent(3)]);
    expect(batch.status).toBe(503);
    expect(batch.body.error?.code).toBe('UNAVAILABLE');
    // Public streams alone keep flowing on this node during the outage.
    expect((await publish(priceEvent(222))).status).toBe(202);

    redis = await startRedis({ port });
    await vi.waitFor(async () => expect(await redisUp()).toBe(1), { timeout: 30_000, interval: 100 });
    await vi.waitFor(async () => expect((await publish(walletEvent(4))).status).toBe(202), {
      timeout: 10_000,
      interval: 100,
    });
    await vi.waitFor(() => expect(wallet.map((w) => w.total)).toContain('4'), { timeout: 10_000 });
    // Every accepted event arrived exactly once, and only those.
    expect(wallet.map((w) => w.total)).toEqual(['1', '4']);
    await vi.waitFor(() => expect(updates.map((u) => u.price)).toContain('222'), { timeout: 10_000 });
    expect(updates.map((u) => u.price)).not.toContain('111');
  });

  it('a Redis that stalls without closing its connections is 503 UNAVAILABLE after the configured wait, not a hang', async () => {
    redis.pause();
    try {
      const stalled = await publish(walletEvent(5));
      expect(stalled.status).toBe(503);
      expect(stalled.body.error?.code).toBe('UNAVAILABLE');
      expect(stalled.retryAfter).toBe('1');
    } finally {
      redis.resume();
    }
    // Once Redis answers again, publishing works; the stalled command may still have been applied.
    await vi.waitFor(async () => expect((await publish(walletEvent(6))).status).toBe(202), {
      timeout: 10_000,
      interval: 100,
    });
    await vi.waitFor(() => expect(wallet.map((w) => w.total)).toContain('6'), { timeout: 10_000 });
  });
});
