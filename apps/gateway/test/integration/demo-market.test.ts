import type { MarketDepth } from '@ws/protocol';
import { closeAll, collect, connect, expectConsistentDepth, request, signToken, TEST_SECRET } from '@ws/test-support';
import { type GatewayProcess, startGatewayProcess } from '@ws/test-support/gateway';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const WATCH_MS = 5_500;

describe('gateway process: demo market', () => {
  let gateway: GatewayProcess;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    gateway = await startGatewayProcess({
      WS_JWT_SECRET: TEST_SECRET,
      WS_DEMO_FEED_INTERVAL_MS: '50',
      WS_DEMO_SNAPSHOT_INTERVAL_MS: '2000',
    });
  });

  afterAll(async () => {
    closeAll(sockets);
    await gateway?.kill();
  });

  it(
    'a depth subscriber rebuilds the book from snapshot + deltas and every checksum matches',
    async () => {
      const market = await connect(gateway.url, '/market');
      sockets.push(market);
      const messages = collect<MarketDepth>(market, 'market.depth');
      const ack = await request(market, 'subscribe', { channels: ['depth'], symbols: ['ETH/USDT'] });
      expect(ack.ok).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
      market.close();

      expect(messages.length).toBeGreaterThan(10);
      expect(messages[0]?.symbol).toBe('ETH/USDT');
      const { book, deltas, snapshots } = expectConsistentDepth(messages);
      expect(deltas).toBeGreaterThan(10);
      // The periodic full snapshots arrived mid-stream too (every 2 s here).
      expect(snapshots).toBeGreaterThanOrEqual(2);
      // A sane book: not crossed, 20 levels a side.
      const bid = Number(book.bestBid()?.[0]);
      const ask = Number(book.bestAsk()?.[0]);
      expect(bid).toBeLessThan(ask);
      expect(book.size()).toEqual({ bids: 20, asks: 20 });
    },
    WATCH_MS + 20_000,
  );

  it('streams prices, trades, tickers and stats for at least 8 symbols', async () => {
    const symbols = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BNB/USDT', 'XRP/USDT', 'ADA/USDT', 'DOGE/USDT', 'AVAX/USDT'];
    const prices = await connect(gateway.url, '/prices');
    const market = await connect(gateway.url, '/market');
    sockets.push(prices, market);
    const updates = collect<{ symbol: string; bid: string; ask: string }>(prices, 'price.update');
    const trades = collect(prices, 'price.trade');
    const tickers = collect(market, 'market.ticker');
    const stats = collect(market, 'market.stats');
    const batches = collect(market, 'market.trades');
    expect((await request(prices, 'subscribe', { symbols })).ok).toBe(true);
    // 3 channels x 6 symbols stays within the default 20 rooms per /market connection.
    const marketAck = await request(market, 'subscribe', {
      channels: ['ticker', 'stats', 'trades'],
      symbols: symbols.slice(0, 6),
    });
    expect(marketAck.ok).toBe(true);
    await vi.waitFor(
      () => {
        expect(new Set(updates.map((u) => u.symbol))).toEqual(new Set(symbols));
        expect(trades.length).toBeGreaterThan(0);
        expect(tickers.length).toBeGreaterThan(0);
        expect(stats.length).toBeGreaterThan(0);
        expect(batches.length).toBeGreaterThan(0);
      },
      { timeout: 15_000, interval: 100 },
    );
    for (const u of updates) expect(Number(u.bid)).toBeLessThan(Number(u.ask));
  });

  it('simulates orders, wallet and positions for a user connected to /user', async () => {
    const token = signToken({ sub: 'demo-trader', role: 'user' });
    const user = await connect(gateway.url, '/user', token);
    sockets.push(user);
    const orders = collect<{ status: string; orderId: string }>(user, 'order.new');
    const updates = collect<{ status: string }>(user, 'order.update');
    const filled = collect<{ status: string }>(user, 'order.filled');
    const cancelled = collect<{ status: string }>(user, 'order.cancelled');
    const wallet = collect<{ asset: string; available: string; locked: string; total: string }>(user, 'wallet.update');
    const positions = collect(user, 'position.update');
    await vi.waitFor(
      () => {
        expect(orders.length).toBeGreaterThan(0);
        expect(filled.length + cancelled.length).toBeGreaterThan(0);
        expect(wallet.length).toBeGreaterThan(0);
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(orders.every((o) => o.status === 'new')).toBe(true);
    expect(updates.every((o) => o.status === 'partially_filled')).toBe(true);
    expect(filled.every((o) => o.status === 'filled')).toBe(true);
    expect(wallet.some((w) => w.asset === 'USDT')).toBe(true);
    for (const w of wallet) expect(Number(w.total)).toBeCloseTo(Number(w.available) + Number(w.locked), 6);
    if (filled.length + updates.length > 0) await vi.waitFor(() => expect(positions.length).toBeGreaterThan(0));
  });
});
