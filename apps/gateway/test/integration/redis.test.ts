import type { MarketDepth } from '@ws/protocol';
import {
  closeAll,
  collect,
  connect,
  expectConsistentDepth,
  freePort,
  type RedisServer,
  request,
  signToken,
  startRedis,
  TEST_SECRET,
} from '@ws/test-support';
import { type GatewayProcess, startGatewayProcess } from '@ws/test-support/gateway';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseExposition, sum } from './helpers/prometheus.js';

async function redisUp(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return sum(parseExposition(text), 'ws_redis_up');
}

describe('gateway processes over Redis', () => {
  let redis: RedisServer;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const env = { WS_JWT_SECRET: TEST_SECRET, WS_DEMO_FEED: '0', REDIS_URL: redis.url, REDIS_PREFIX: 'gwtest:' };
    [a, b] = await Promise.all([
      startGatewayProcess({ ...env, WS_NODE_ID: 'node-a' }),
      startGatewayProcess({ ...env, WS_NODE_ID: 'node-b', WS_READY_REQUIRES_REDIS: '1' }),
    ]);
  });

  afterAll(async () => {
    closeAll(sockets);
    await Promise.all([a?.kill(), b?.kill()]);
    await redis?.stop();
  });

  it('a publish on one gateway reaches subscribers on the other', async () => {
    await vi.waitFor(
      async () => {
        expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
        expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
      },
      { timeout: 10_000, interval: 100 },
    );
    const prices = await connect(b.url, '/prices');
    const token = signToken({ sub: 'carol', role: 'user' });
    const user = await connect(b.url, '/user', token);
    sockets.push(prices, user);
    const updates = collect<{ symbol: string; price: string }>(prices, 'price.update');
    const wallet = collect<{ asset: string; total: string }>(user, 'wallet.update');
    expect((await request(prices, 'subscribe', { symbols: ['SOL/USDT'] })).ok).toBe(true);

    const service = signToken({ sub: 'svc', role: 'service' });
    const res = await fetch(`${a.url}/api/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
      body: JSON.stringify([
        {
          event: 'price.update',
          data: { symbol: 'SOL/USDT', price: '151.25', bid: '151.2', ask: '151.3', volume: '10' },
        },
        { event: 'wallet.update', userId: 'carol', data: { asset: 'USDT', available: 5, locked: 1, total: 6 } },
      ]),
    });
    expect(res.status).toBe(202);
    await vi.waitFor(
      () => {
        expect(updates).toContainEqual(expect.objectContaining({ symbol: 'SOL/USDT', price: '151.25' }));
        expect(wallet).toContainEqual(expect.objectContaining({ asset: 'USDT', total: '6' }));
      },
      { timeout: 10_000, interval: 50 },
    );
  });

  it('reports degraded (200) while Redis is down, or not ready with WS_READY_REQUIRES_REDIS=1, and recovers', async () => {
    const port = redis.port;
    await redis.stop();
    await vi.waitFor(
      async () => {
        const res = await fetch(`${a.url}/readyz`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: 'degraded', reason: expect.stringMatching(/^redis: /) });
      },
      { timeout: 15_000, interval: 100 },
    );
    await vi.waitFor(
      async () => {
        const res = await fetch(`${b.url}/readyz`);
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ status: 'not_ready', reason: expect.stringMatching(/^redis: /) });
      },
      { timeout: 15_000, interval: 100 },
    );
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
    expect(await redisUp(a.url)).toBe(0);
    expect(await redisUp(b.url)).toBe(0);
    // A publish the node cannot carry out counts where the WsPublishFailures alert looks (deploy/prometheus).
    const failures = async () =>
      sum(parseExposition(await (await fetch(`${a.url}/metrics`)).text()), 'ws_errors_total', {
        namespace: 'none',
        code: 'UNAVAILABLE',
      });
    const before = await failures();
    const service = signToken({ sub: 'svc', role: 'service' });
    const refused = await fetch(`${a.url}/api/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
      body: JSON.stringify({
        event: 'wallet.update',
        userId: 'carol',
        data: { asset: 'USDT', available: 1, locked: 0, total: 1 },
      }),
    });
    expect(refused.status).toBe(503);
    expect(await failures()).toBe(before + 1);
    redis = await startRedis({ port });
    for (const node of [a, b]) {
      await vi.waitFor(
        async () => expect(await (await fetch(`${node.url}/readyz`)).json()).toEqual({ status: 'ready' }),
        {
          timeout: 20_000,
          interval: 200,
        },
      );
    }
    await vi.waitFor(async () => expect(await redisUp(a.url)).toBe(1), { timeout: 10_000, interval: 200 });
    expect(a.proc.exitCode).toBeNull();
    expect(b.proc.exitCode).toBeNull();
  });

  it('a gateway started while Redis is down serves degraded, then joins the cluster when Redis comes up', async () => {
    const port = await freePort();
    const env = { WS_JWT_SECRET: TEST_SECRET, WS_DEMO_FEED: '0', REDIS_URL: `redis://127.0.0.1:${port}` };
    let late: RedisServer | undefined;
    let c: GatewayProcess | undefined;
    let d: GatewayProcess | undefined;
    try {
      c = await startGatewayProcess({ ...env, WS_NODE_ID: 'node-c' });
      const res = await fetch(`${c.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'degraded', reason: expect.stringMatching(/^redis: /) });
      const prices = await connect(c.url, '/prices');
      sockets.push(prices);
      const updates = collect<{ price: string }>(prices, 'price.update');
      expect((await request(prices, 'subscribe', { symbols: ['ADA/USDT'] })).ok).toBe(true);

      late = await startRedis({ port });
      const cUrl = c.url;
      await vi.waitFor(async () => expect(await (await fetch(`${cUrl}/readyz`)).json()).toEqual({ status: 'ready' }), {
        timeout: 20_000,
        interval: 200,
      });
      d = await startGatewayProcess({ ...env, WS_NODE_ID: 'node-d' });
      const service = signToken({ sub: 'svc', role: 'service' });
      const published = await fetch(`${d.url}/api/v1/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
        body: JSON.stringify({
          event: 'price.update',
          data: { symbol: 'ADA/USDT', price: '0.4321', bid: '0.432', ask: '0.4322', volume: '1' },
        }),
      });
      expect(published.status).toBe(202);
      await vi.waitFor(() => expect(updates).toContainEqual(expect.objectContaining({ price: '0.4321' })), {
        timeout: 10_000,
        interval: 50,
      });
    } finally {
      await Promise.all([c?.kill(), d?.kill()]);
      await late?.stop();
    }
  }, 60_000);

  it('a depth subscriber on another node resynchronises from the demo snapshots and every checksum matches', async () => {
    const env = { WS_JWT_SECRET: TEST_SECRET, REDIS_URL: redis.url, REDIS_PREFIX: 'gwdepth:' };
    const [feed, edge] = await Promise.all([
      startGatewayProcess({
        ...env,
        WS_NODE_ID: 'feed',
        WS_DEMO_FEED_INTERVAL_MS: '50',
        WS_DEMO_SNAPSHOT_INTERVAL_MS: '1000',
      }),
      startGatewayProcess({ ...env, WS_NODE_ID: 'edge', WS_DEMO_FEED: '0' }),
    ]);
    try {
      const market = await connect(edge.url, '/market');
      sockets.push(market);
      const messages = collect<MarketDepth>(market, 'market.depth');
      expect((await request(market, 'subscribe', { channels: ['depth'], symbols: ['BTC/USDT'] })).ok).toBe(true);
      await vi.waitFor(
        () => {
          const first = messages.findIndex((m) => m.type === 'snapshot' && m.bids.length > 0);
          expect(first).toBeGreaterThanOrEqual(0);
          expect(messages.length - first).toBeGreaterThan(40);
        },
        { timeout: 20_000, interval: 100 },
      );
      market.close();
      // Everything before the feed's first full snapshot came from the edge node's own (empty) book.
      const first = messages.findIndex((m) => m.type === 'snapshot' && m.bids.length > 0);
      expectConsistentDepth(messages.slice(first));
    } finally {
      await Promise.all([feed.kill(), edge.kill()]);
    }
  }, 60_000);
});
