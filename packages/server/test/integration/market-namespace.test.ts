import { bookChecksum, type MarketDepth } from '@ws/protocol';
import { connected, expectConsistentDepth, record, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

let ts: TestServer;
afterEach(async () => {
  await ts?.close();
});

const stats = {
  symbol: 'BTC/USDT',
  open: 49000,
  high: 51000,
  low: 48000,
  last: 50000,
  volume: 1000,
  quoteVolume: '50000000',
  change: 1000,
  changePercent: 2.04,
};
const ticker = { symbol: 'BTC/USDT', bid: 49999, ask: 50001, last: 50000 };

describe('/market', () => {
  it('subscribe acks the rooms, confirms, then sends depth snapshot, stats and ticker (no trades)', async () => {
    ts = await startServer();
    const b = ts.server.broadcast;
    await b.broadcastDepth({
      symbol: 'BTC/USDT',
      type: 'snapshot',
      bids: [
        [50000, 1],
        [49999, 2],
      ],
      asks: [[50001, 1.5]],
    });
    await b.broadcastDepth({
      symbol: 'BTC/USDT',
      type: 'delta',
      bids: [
        [49999, 0],
        [49998, 3],
      ],
      asks: [],
    });
    await b.broadcastMarketStats(stats);
    await b.broadcastTicker(ticker);
    await b.broadcastMarketTrades({
      symbol: 'BTC/USDT',
      trades: [{ tradeId: 't1', price: 50000, quantity: 0.1, side: 'buy' }],
    });

    const client = ts.connect('/market');
    await connected(client);
    const seen = record(client, [
      'subscription.confirmed',
      'market.depth',
      'market.stats',
      'market.ticker',
      'market.trades',
    ]);
    const ack = await request(client, 'subscribe', {
      channels: ['depth', 'stats', 'ticker', 'trades'],
      symbols: ['BTC/USDT'],
    });
    const channels = [
      'market:depth:BTC/USDT',
      'market:stats:BTC/USDT',
      'market:ticker:BTC/USDT',
      'market:trades:BTC/USDT',
    ];
    expect(ack).toEqual({ ok: true, channels });
    await expect.poll(() => seen.length).toBe(4);
    expect(seen.map(([event]) => event)).toEqual([
      'subscription.confirmed',
      'market.depth',
      'market.stats',
      'market.ticker',
    ]);
    const depth = seen[1]![1] as MarketDepth;
    expect(depth).toMatchObject({
      symbol: 'BTC/USDT',
      type: 'snapshot',
      bids: [
        ['50000', '1'],
        ['49998', '3'],
      ],
      asks: [['50001', '1.5']],
      seq: 2,
      prevSeq: 2,
    });
    expect(depth.checksum).toBe(bookChecksum(depth.bids, depth.asks));
    expect(seen[2]![1]).toMatchObject({ symbol: 'BTC/USDT', last: '50000', quoteVolume: '50000000', seq: 1 });
    expect(seen[3]![1]).toMatchObject({ bid: '49999', ask: '50001', seq: 1 });
  });

  it('depth deltas chain seq/prevSeq from the snapshot and the checksum matches a client-side book', async () => {
    ts = await startServer();
    const b = ts.server.broadcast;
    await b.broadcastDepth({ symbol: 'ETH/USDT', type: 'snapshot', bids: [[3000, 1]], asks: [[3001, 1]] });
    const client = ts.connect('/market');
    await connected(client);
    const depth: MarketDepth[] = [];
    client.on('market.depth', (d) => depth.push(d));
    await request(client, 'subscribe', { channels: ['depth'], symbols: ['ETH/USDT'] });
    for (let i = 0; i < 20; i++) {
      void b.broadcastDepth({
        symbol: 'ETH/USDT',
        type: 'delta',
        bids: [[2999 - (i % 5), i % 3]],
        asks: [[3001 + (i % 4), (i % 2) + 0.5]],
      });
    }
    await expect.poll(() => depth.length).toBe(21);
    const { lastSeq } = expectConsistentDepth(depth);
    expect(depth[0]).toMatchObject({ type: 'snapshot', seq: 1 });
    expect(lastSeq).toBe(21);
  });

  it('market.snapshot returns the book (empty with seq 0 when nothing was published)', async () => {
    ts = await startServer();
    await ts.server.broadcast.broadcastDepth({ symbol: 'BTC/USDT', type: 'snapshot', bids: [[1, 1]], asks: [[2, 1]] });
    const client = ts.connect('/market');
    await connected(client);
    const ack = await request<{ ok: true; depth: MarketDepth }>(client, 'market.snapshot', { symbol: 'BTC/USDT' });
    expect(ack.ok).toBe(true);
    expect(ack.depth).toMatchObject({ type: 'snapshot', bids: [['1', '1']], asks: [['2', '1']], seq: 1 });
    const empty = await request<{ ok: true; depth: MarketDepth }>(client, 'market.snapshot', { symbol: 'SOL/USDT' });
    expect(empty.depth).toMatchObject({ type: 'snapshot', bids: [], asks: [], seq: 0, prevSeq: 0 });
    expect(await request(client, 'market.snapshot', { symbol: 'DOGE/USDT' })).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_SYMBOL' },
    });
  });

  it('unknown symbols, unknown channels and over-limit requests change nothing', async () => {
    ts = await startServer({ limits: { maxRoomsPerConnection: 3 } });
    const client = ts.connect('/market');
    await connected(client);
    expect(
      await request(client, 'subscribe', { channels: ['depth'], symbols: ['BTC/USDT', 'NOPE/USDT'] }),
    ).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_SYMBOL' },
    });
    expect(await request(client, 'subscribe', { channels: ['candles'], symbols: ['BTC/USDT'] })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
    expect(
      await request(client, 'subscribe', { channels: ['depth', 'stats'], symbols: ['BTC/USDT', 'ETH/USDT'] }),
    ).toMatchObject({ ok: false, error: { code: 'LIMIT_EXCEEDED' } });
    expect(ts.server.subscriptions.rooms(client.id!)).toEqual([]);
    expect(
      await request(client, 'subscribe', { channels: ['depth', 'stats', 'ticker'], symbols: ['BTC/USDT'] }),
    ).toMatchObject({
      ok: true,
    });
    // Idempotent: the same rooms again are not counted twice.
    expect(await request(client, 'subscribe', { channels: ['depth', 'stats'], symbols: ['BTC/USDT'] })).toMatchObject({
      ok: true,
    });
    expect(ts.server.subscriptions.rooms(client.id!)).toHaveLength(3);
  });
});
