import { closeAll, collect, connect, request, signToken, TEST_SECRET } from '@ws/test-support';
import { type GatewayProcess, startGatewayProcess } from '@ws/test-support/gateway';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseExposition, sum } from './helpers/prometheus.js';

const MAX_BYTES = 64 * 1024;

describe('gateway process: HTTP API', () => {
  let gateway: GatewayProcess;
  let prices: Socket | undefined;
  let updates: { symbol: string; price: string; seq: number }[] = [];
  let serviceToken: string;

  async function publish(body: unknown, token: string | null = serviceToken, contentType = 'application/json') {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const res = await fetch(`${gateway.url}/api/v1/publish`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  const price = (value: number | string) => ({
    event: 'price.update',
    data: { symbol: 'BTC/USDT', price: value, bid: 1, ask: 2, volume: 3 },
  });

  beforeAll(async () => {
    gateway = await startGatewayProcess({
      WS_JWT_SECRET: TEST_SECRET,
      WS_DEMO_FEED: '0',
      WS_PUBLISH_MAX_BYTES: String(MAX_BYTES),
    });
    serviceToken = signToken({ sub: 'pricing-service', role: 'service' });
    prices = await connect(gateway.url, '/prices');
    updates = collect(prices, 'price.update');
    const ack = await request(prices, 'subscribe', { symbols: ['BTC/USDT'] });
    expect(ack.ok).toBe(true);
  });

  afterAll(async () => {
    closeAll([prices]);
    await gateway?.kill();
  });

  it('answers liveness and readiness', async () => {
    const health = await fetch(`${gateway.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${gateway.url}/nope`)).status).toBe(404);
    const post = await fetch(`${gateway.url}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const get = await fetch(`${gateway.url}/api/v1/publish`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${gateway.url}/readyz`, { method: 'HEAD' })).status).toBe(200);
  });

  it('publishes one event to the subscribers, normalised and sequenced', async () => {
    const res = await publish(price(50000.5));
    expect(res).toEqual({ status: 202, body: { accepted: 1 } });
    await vi.waitFor(() => expect(updates.some((u) => u.price === '50000.5')).toBe(true), { timeout: 10_000 });
    const update = updates.find((u) => u.price === '50000.5');
    expect(update).toMatchObject({ symbol: 'BTC/USDT', price: '50000.5', bid: '1', ask: '2', volume: '3' });
    expect(typeof update?.seq).toBe('number');
  });

  it('publishes a batch of public and private events', async () => {
    const user = signToken({ sub: 'alice', role: 'user' });
    const alice = await connect(gateway.url, '/user', user);
    const orders = collect<{ orderId: string; status: string }>(alice, 'order.new');
    try {
      const res = await publish([
        price('50001'),
        { event: 'market.ticker', data: { symbol: 'BTC/USDT', bid: '50000', ask: '50002', last: '50001' } },
        {
          event: 'order.new',
          userId: 'alice',
          data: {
            orderId: 'o-1',
            symbol: 'BTC/USDT',
            side: 'buy',
            type: 'limit',
            price: '50000',
            quantity: '0.1',
            filledQuantity: '0',
            status: 'new',
          },
        },
      ]);
      expect(res).toEqual({ status: 202, body: { accepted: 3 } });
      await vi.waitFor(() => expect(orders.map((o) => o.orderId)).toEqual(['o-1']), { timeout: 10_000 });
      await vi.waitFor(() => expect(updates.some((u) => u.price === '50001')).toBe(true), { timeout: 10_000 });
    } finally {
      alice.close();
    }
  });

  it('refuses a batch with one bad item as a whole, naming the item', async () => {
    const res = await publish([price('77777'), { event: 'price.update', data: { symbol: 'BTC/USDT', price: 'abc' } }]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_PAYLOAD');
    const paths = (res.body.error.details as { path: string }[]).map((d) => d.path);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((p) => p.startsWith('/1/'))).toBe(true);
    // The valid first item must not have been published: the next update seen is the marker.
    expect((await publish(price('88888'))).status).toBe(202);
    await vi.waitFor(() => expect(updates.some((u) => u.price === '88888')).toBe(true), { timeout: 10_000 });
    expect(updates.some((u) => u.price === '77777')).toBe(false);
  });

  it('explains invalid single events with JSON-pointer details', async () => {
    const missing = await publish({ event: 'price.update', data: { symbol: 'BTC/USDT', price: 1 } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('INVALID_PAYLOAD');
    expect(missing.body.error.details.length).toBeGreaterThan(0);
    expect(missing.body.error.details[0].path).toMatch(/^\/data/);

    const noUser = await publish({
      event: 'wallet.update',
      data: { asset: 'USDT', available: 1, locked: 0, total: 1 },
    });
    expect(noUser.status).toBe(400);
    expect(noUser.body.error.details).toContainEqual(expect.objectContaining({ path: '/userId' }));

    const unknown = await publish({ event: 'admin.everything', data: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toContainEqual(expect.objectContaining({ path: '/event' }));

    const unknownSymbol = await publish({
      event: 'price.update',
      data: { symbol: 'NOPE/USDT', price: 1, bid: 1, ask: 1, volume: 1 },
    });
    expect(unknownSymbol.status).toBe(400);
    expect(unknownSymbol.body.error.code).toBe('UNKNOWN_SYMBOL');

    const notJson = await publish('{"event":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('INVALID_PAYLOAD');

    const wrongType = await publish(price(1), serviceToken, 'text/plain');
    expect(wrongType.status).toBe(415);
  });

  it('refuses missing, forged and expired tokens (401) and tokens without the service or admin role (403)', async () => {
    const none = await publish(price(1), null);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    expect((await publish(price(1), 'garbage')).status).toBe(401);
    const forged = signToken(
      { sub: 'svc', role: 'service' },
      { secret: 'another-secret-another-secret-another-secret' },
    );
    expect((await publish(price(1), forged)).status).toBe(401);
    const user = await publish(price(1), signToken({ sub: 'bob', role: 'user' }));
    expect(user.status).toBe(403);
    expect(user.body.error.code).toBe('FORBIDDEN');
    const admin = await publish(price(2), signToken({ sub: 'ops', role: 'admin' }));
    expect(admin.status).toBe(202);
  });

  it('refuses bodies over the size limit and batches over 1000 events (413)', async () => {
    const big = await publish({ event: 'system.message', data: { type: 'info', message: 'x'.repeat(MAX_BYTES) } });
    expect(big.status).toBe(413);
    const many = Array.from({ length: 1001 }, () => ({ event: 'price.update', data: {} }));
    const tooMany = await publish(many);
    expect(tooMany.status).toBe(413);
  });

  it('exports Prometheus metrics that count the real traffic', async () => {
    const res = await fetch(`${gateway.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const metrics = parseExposition(await res.text());
    expect(sum(metrics, 'ws_connections', { namespace: '/prices' })).toBeGreaterThanOrEqual(1);
    expect(sum(metrics, 'ws_connection_attempts_total', { namespace: '/prices' })).toBeGreaterThanOrEqual(1);
    expect(
      sum(metrics, 'ws_messages_received_total', { namespace: '/prices', event: 'subscribe' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sum(metrics, 'ws_messages_sent_total', { namespace: '/prices', event: 'price.update' }),
    ).toBeGreaterThanOrEqual(updates.length > 0 ? 1 : 0);
    expect(metrics.types.get('process_cpu_seconds_total')).toBe('counter');
  });
});
