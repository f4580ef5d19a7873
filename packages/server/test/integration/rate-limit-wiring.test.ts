import { connected, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

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
