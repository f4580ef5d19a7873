import { connected, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

/** 120 well-formed symbols: AA/USDT, AB/USDT, … */
const SYMBOLS = Array.from(
  { length: 120 },
  (_, i) => `${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}/USDT`,
);

type Ack = { ok: boolean; error?: { code: string; message: string } };

describe('the three subscription limits, each at its exact boundary (defaults 100 / 20 / 50)', () => {
  let ts: TestServer | undefined;
  afterEach(async () => {
    await ts?.close();
    ts = undefined;
  });

  it('maxSymbolsPerConnection binds an anonymous /prices connection at 100 (the per-user 50 does not apply)', async () => {
    ts = await startServer({ symbols: SYMBOLS });
    const c = ts.connect('/prices');
    await connected(c);
    expect(await request<Ack>(c, 'subscribe', { symbols: SYMBOLS.slice(0, 60) })).toMatchObject({ ok: true });
    expect(await request<Ack>(c, 'subscribe', { symbols: SYMBOLS.slice(60, 100) })).toMatchObject({ ok: true });
    expect(await request<Ack>(c, 'subscribe', { symbols: [SYMBOLS[100]] })).toMatchObject({
      ok: false,
      error: { code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/100 symbols per connection/) },
    });
  });

  it('maxChannelsPerUser binds an authenticated user at 50 rooms across connections and namespaces', async () => {
    ts = await startServer({ symbols: SYMBOLS });
    const token = await ts.token({ userId: 'alice' });
    const prices = ts.connect('/prices', { token });
    const market = ts.connect('/market', { token });
    await Promise.all([connected(prices), connected(market)]);
    expect(await request<Ack>(prices, 'subscribe', { symbols: SYMBOLS.slice(0, 40) })).toMatchObject({ ok: true });
    // 40 + 10 = 50: at the limit.
    expect(
      await request<Ack>(market, 'subscribe', { channels: ['ticker', 'stats'], symbols: SYMBOLS.slice(0, 5) }),
    ).toMatchObject({ ok: true });
    expect(await request<Ack>(prices, 'subscribe', { symbols: [SYMBOLS[40]] })).toMatchObject({
      ok: false,
      error: { code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/50 channels per user/) },
    });
    // Another user is not affected.
    const bob = ts.connect('/prices', { token: await ts.token({ userId: 'bob' }) });
    await connected(bob);
    expect(await request<Ack>(bob, 'subscribe', { symbols: [SYMBOLS[40]] })).toMatchObject({ ok: true });
  });

  it('maxRoomsPerConnection binds a /market connection at 20 rooms', async () => {
    ts = await startServer({ symbols: SYMBOLS });
    const c = ts.connect('/market');
    await connected(c);
    expect(
      await request<Ack>(c, 'subscribe', {
        channels: ['ticker', 'stats', 'trades', 'depth'],
        symbols: SYMBOLS.slice(0, 5),
      }),
    ).toMatchObject({ ok: true });
    expect(await request<Ack>(c, 'subscribe', { channels: ['ticker'], symbols: [SYMBOLS[5]] })).toMatchObject({
      ok: false,
      error: { code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/20 channels per connection on \/market/) },
    });
  });
});
