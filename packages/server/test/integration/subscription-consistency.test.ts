import type { MarketDepth, PriceUpdate } from '@ws/protocol';
import { connected, expectConsistentDepth, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

let ts: TestServer;
let stop = false;
afterEach(async () => {
  stop = true;
  await ts?.close();
});

/** Publishes on every turn of the event loop until stopped, so subscribes interleave with updates. */
function publishContinuously(ts: TestServer): void {
  stop = false;
  let i = 0;
  const loop = () => {
    if (stop) return;
    i++;
    void ts.server.broadcastPriceUpdate('BTC/USDT', { price: 50000 + i, bid: 1, ask: 1, volume: i });
    void ts.server.broadcast.broadcastDepth({
      symbol: 'BTC/USDT',
      type: i === 1 ? 'snapshot' : 'delta',
      bids: [[40000 + (i % 50), i % 7]],
      asks: [[60000 + (i % 30), (i % 5) + 1]],
    });
    setImmediate(loop);
  };
  loop();
}

describe('snapshot on subscribe while updates are flowing', () => {
  it('every subscriber sees a gap-free stream that starts at its snapshot', async () => {
    ts = await startServer();
    publishContinuously(ts);
    const streams: { prices: PriceUpdate[]; depth: MarketDepth[] }[] = [];
    for (let n = 0; n < 8; n++) {
      const p = ts.connect('/prices');
      const m = ts.connect('/market');
      await Promise.all([connected(p), connected(m)]);
      const stream = { prices: [] as PriceUpdate[], depth: [] as MarketDepth[] };
      streams.push(stream);
      p.on('price.update', (u) => stream.prices.push(u));
      m.on('market.depth', (d) => stream.depth.push(d));
      await Promise.all([
        request(p, 'subscribe', { symbols: ['BTC/USDT'] }),
        request(m, 'subscribe', { channels: ['depth'], symbols: ['BTC/USDT'] }),
      ]);
    }
    await expect.poll(() => streams.every((s) => s.prices.length >= 20 && s.depth.length >= 20)).toBe(true);
    stop = true;
    for (const { prices, depth } of streams) {
      const seqs = prices.map((u) => u.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
      expectConsistentDepth(depth);
    }
  });
});
