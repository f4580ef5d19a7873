import type { PriceTrade, PriceUpdate } from '@ws/protocol';
import { connected, record, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

let ts: TestServer;
afterEach(async () => {
  await ts?.close();
});

const tick = { price: 50000, bid: 49999.5, ask: 50000.5, volume: 1 };
const PUBLISHED = 300;

/** Publishes, in one event-loop turn, 300 updates of BTC/USDT with a trade after every 50th. */
function burst(server: TestServer['server']): void {
  for (let i = 1; i <= PUBLISHED; i++) {
    void server.broadcastPriceUpdate('BTC/USDT', { ...tick, price: 50000 + i });
    if (i % 50 === 0)
      void server.broadcast.broadcastTrade({
        symbol: 'BTC/USDT',
        price: 50000 + i,
        quantity: 1,
        side: 'buy',
        tradeId: `t${i}`,
      });
  }
}

async function subscriber() {
  const client = ts.connect('/prices');
  await connected(client);
  const seen = record(client, ['price.update', 'price.trade']);
  expect(await request(client, 'subscribe', { symbols: ['BTC/USDT'] })).toMatchObject({ ok: true });
  return seen;
}

async function conflatedCount(): Promise<number> {
  const text = await ts.server.exportPrometheusMetrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('ws_messages_conflated_total{namespace="/prices",event="price.update"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('overload conflation', () => {
  it('over the turn budget, sends the latest price and every trade, in seq order, and counts what it conflated', async () => {
    // Any real fan-out takes more than a microsecond: everything after the first delivery is over budget.
    ts = await startServer({ overloadTurnBudgetMs: 0.001, overloadMinLoopUtilization: 0 });
    const seen = await subscriber();
    burst(ts.server);
    const lastPrice = String(50000 + PUBLISHED);
    await expect
      .poll(() => seen.some(([e, p]) => e === 'price.update' && (p as PriceUpdate).price === lastPrice))
      .toBe(true);
    await expect.poll(() => seen.filter(([e]) => e === 'price.trade').length).toBe(PUBLISHED / 50);
    const seqs = seen.map(([, p]) => (p as PriceUpdate | PriceTrade).seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const updates = seen.filter(([e]) => e === 'price.update').length;
    expect(updates).toBeLessThan(PUBLISHED);
    expect(await conflatedCount()).toBe(PUBLISHED - updates);
    // Each trade follows the newest update published before it.
    for (let k = 0; k < seen.length; k++) {
      const [event, payload] = seen[k] as [string, PriceTrade];
      if (event !== 'price.trade') continue;
      const before = seen[k - 1]?.[1] as PriceUpdate | undefined;
      expect(before?.price).toBe(payload.price);
    }
  });

  it('with the budget off, delivers every message', async () => {
    ts = await startServer({ overloadTurnBudgetMs: 0 });
    const seen = await subscriber();
    burst(ts.server);
    await expect.poll(() => seen.length).toBe(PUBLISHED + PUBLISHED / 50);
    expect(await conflatedCount()).toBe(0);
  });
});
