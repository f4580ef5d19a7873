import { connected, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitComponent } from '../../src/component-contracts.js';

let ts: TestServer;
afterEach(async () => {
  await ts?.close();
});

describe('rate limits through WebSocketServer', () => {
  it('over the limit: RATE_LIMITED with retryAfterMs and no effect; flooding while blocked disconnects', async () => {
    ts = await startServer({
      rateLimit: {
        namespaces: {
          '/prices': { points: 3, durationSec: 1 },
          '/market': { points: 100, durationSec: 1 },
          '/user': { points: 50, durationSec: 1 },
          '/admin': { points: 200, durationSec: 1 },
        },
        blockDurationSec: 60,
        floodDisconnectAfter: 5,
      },
    });
    const c = ts.connect('/prices');
    await connected(c);
    for (let i = 0; i < 3; i++) expect(await request(c, 'ping', {})).toMatchObject({ ok: true });
    const limited = await request<{ ok: false; error: { code: string; retryAfterMs: number } }>(c, 'subscribe', {
      symbols: ['BTC/USDT'],
    });
    expect(limited).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(limited.error.retryAfterMs).toBeGreaterThan(1_000);
    expect(ts.server.subscriptions.rooms(c.id!)).toEqual([]);
    const gone = new Promise<string>((resolve) => c.once('disconnect', resolve));
    for (let i = 0; i < 10; i++) c.emit('ping', {}, () => undefined);
    expect(await gone).toBeTypeOf('string');
    expect(ts.server.getMetrics().errors.total).toBeGreaterThan(0);

    // Another connection of the same client machine has its own budget.
    const other = ts.connect('/prices');
    await connected(other);
    expect(await request(other, 'subscribe', { symbols: ['BTC/USDT'] })).toMatchObject({ ok: true });
  });
});

describe('a rate limiter that answers only asynchronously', () => {
  it('is awaited for every request: refusals, bad input and the subscribe ack before its confirmation', async () => {
    // Budget of 4 points per connection; no consumeNow, so every charge takes the awaited path.
    const spent = new Map<string, number>();
    const rateLimiter: RateLimitComponent = {
      consume: async (socket, points = 1) => {
        await new Promise((resolve) => setImmediate(resolve));
        const total = (spent.get(socket.id) ?? 0) + points;
        spent.set(socket.id, total);
        return total <= 4 ? { ok: true } : { ok: false, retryAfterMs: 1_000, disconnect: false };
      },
      handshakeMiddleware: () => (_socket, next) => next(),
      release: (socket) => spent.delete(socket.id),
    };
    ts = await startServer({ rateLimiter });
    const c = ts.connect('/prices');
    await connected(c);
    const order: string[] = [];
    c.on('subscription.confirmed', () => order.push('confirmed'));
    // The ack callback itself (not a promise continuation) records when the ack arrived.
    const ack = await new Promise((resolve) =>
      c.emit('subscribe', { symbols: ['BTC/USDT'] }, (res: unknown) => {
        order.push('ack');
        resolve(res);
      }),
    );
    expect(ack).toMatchObject({ ok: true, symbols: ['BTC/USDT'] });
    await expect.poll(() => order).toEqual(['ack', 'confirmed']);
    expect(await request(c, 'nope', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(c, 'subscribe', { symbols: 42 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
    expect(await request(c, 'ping', {})).toMatchObject({ ok: true });
    expect(await request(c, 'ping', {})).toMatchObject({
      ok: false,
      error: { code: 'RATE_LIMITED', retryAfterMs: 1_000 },
    });
    expect(spent.get(c.id!)).toBe(5);
  });
});
