import { NAMESPACE_NAMES, type NamespaceName, publishValidators } from '@ws/protocol';
import { describe, expect, it } from 'vitest';
import { WebSocketBroadcast } from '../../src/publish/websocket-broadcast.js';
import { OrderBooks } from '../../src/state/order-books.js';
import { MemorySequenceStore, type SequenceStore } from '../../src/state/sequence-store.js';
import { MemorySnapshotStore } from '../../src/state/snapshot-store.js';
import { WsError } from '../../src/ws-error.js';

type Sent = { ns: NamespaceName; room: string | null; event: string; payload: Record<string, unknown> };

function setup(options: { sequences?: SequenceStore; allowUnknownSymbols?: boolean } = {}) {
  const sent: Sent[] = [];
  /** For each delivery batch: how many items were sent inside it. */
  const batches: number[] = [];
  const snapshots = new MemorySnapshotStore();
  const books = new OrderBooks();
  const broadcast = new WebSocketBroadcast({
    delivery: {
      toRoom: ({ namespace, room, event, payload }) =>
        sent.push({ ns: namespace, room, event, payload: payload as Record<string, unknown> }),
      toNamespace: ({ namespace, event, payload }) =>
        sent.push({ ns: namespace, room: null, event, payload: payload as Record<string, unknown> }),
      batch<T>(fn: () => T): T {
        const before = sent.length;
        const result = fn();
        batches.push(sent.length - before);
        return result;
      },
    },
    sequences: options.sequences ?? new MemorySequenceStore(),
    snapshots,
    books,
    isKnownSymbol: (s) => s === 'BTC/USDT' || s === 'ETH/USDT',
    allowUnknownSymbols: options.allowUnknownSymbols ?? false,
    namespaces: NAMESPACE_NAMES,
  });
  return { sent, batches, broadcast, snapshots, books };
}

const order = {
  orderId: 'o1',
  symbol: 'BTC/USDT',
  side: 'sell' as const,
  type: 'market' as const,
  price: '0',
  quantity: 1e-8,
  filledQuantity: 0,
};

describe('WebSocketBroadcast', () => {
  it('normalises decimals, stamps timestamp, assigns seq per room; the wire payload passes the wire schema', async () => {
    const { sent, broadcast, snapshots } = setup();
    const wire = await broadcast.broadcastPriceUpdate('BTC/USDT', {
      price: 50000.1,
      bid: '49999.50',
      ask: 5e4,
      volume: 0,
    });
    expect(wire).toMatchObject({
      symbol: 'BTC/USDT',
      price: '50000.1',
      bid: '49999.5',
      ask: '50000',
      volume: '0',
      seq: 1,
    });
    expect(typeof wire.timestamp).toBe('number');
    expect(publishValidators['price.update'].wire.check(wire)).toBe(true);
    await broadcast.broadcastTrade({
      symbol: 'BTC/USDT',
      tradeId: 't',
      price: 1,
      quantity: 2,
      side: 'buy',
      timestamp: 9,
    });
    await broadcast.broadcastPriceUpdate('ETH/USDT', { price: 1, bid: 1, ask: 1, volume: 1 });
    expect(sent.map((s) => [s.ns, s.room, s.event, s.payload.seq])).toEqual([
      ['/prices', 'prices:BTC/USDT', 'price.update', 1],
      ['/prices', 'prices:BTC/USDT', 'price.trade', 2],
      ['/prices', 'prices:ETH/USDT', 'price.update', 1],
    ]);
    // Only price.update is the room's snapshot, not the trade.
    expect(snapshots.get('prices:BTC/USDT')?.payload.seq).toBe(1);
  });

  it('a bad payload throws INVALID_PAYLOAD synchronously with details and sends nothing', () => {
    const { sent, broadcast } = setup();
    expect(() => broadcast.broadcastPriceUpdate('BTC/USDT', { price: 'abc', bid: 1, ask: 1, volume: 1 })).toThrow(
      expect.objectContaining({
        code: 'INVALID_PAYLOAD',
        details: expect.arrayContaining([expect.objectContaining({ path: '/price' })]),
      }),
    );
    expect(() => broadcast.publish('price.update', { symbol: 'BTC/USDT' } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_PAYLOAD' }),
    );
    expect(() => broadcast.publish('nope', {})).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD' }));
    expect(() => broadcast.broadcastPriceUpdate('BTC/USDT', { price: Number.NaN, bid: 1, ask: 1, volume: 1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_PAYLOAD' }),
    );
    expect(sent).toEqual([]);
  });

  it.each([1e300, 1e-300, 1e64, 5e-324, -1e300])(
    'a finite number without a 64-character decimal form (%s) is INVALID_PAYLOAD at its pointer, never a TypeError',
    (n) => {
      const { sent, broadcast } = setup();
      const refusal = (fn: () => unknown, path: string) => {
        let thrown: unknown;
        try {
          fn();
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(WsError);
        expect(thrown).toMatchObject({
          code: 'INVALID_PAYLOAD',
          details: expect.arrayContaining([expect.objectContaining({ path })]),
        });
      };
      refusal(() => broadcast.broadcastPriceUpdate('BTC/USDT', { price: n, bid: 1, ask: 2, volume: 3 }), '/price');
      refusal(
        () => broadcast.broadcastDepth({ symbol: 'BTC/USDT', type: 'snapshot', bids: [[1, n]], asks: [] }),
        '/bids/0/1',
      );
      refusal(
        () => broadcast.broadcastWalletUpdate('alice', { asset: 'USDT', available: n, locked: 0, total: 1 }),
        '/available',
      );
      refusal(
        () =>
          broadcast.publishBatch([{ event: 'market.ticker', data: { symbol: 'BTC/USDT', bid: 1, ask: n, last: 1 } }]),
        '/0/ask',
      );
      expect(sent).toEqual([]);
    },
  );

  it('negative prices and quantities are INVALID_PAYLOAD and never reach the book', async () => {
    const { sent, broadcast, books } = setup();
    await broadcast.broadcastDepth({
      symbol: 'BTC/USDT',
      type: 'snapshot',
      bids: [['100', '1']],
      asks: [['101', '1']],
    });
    type Levels = [string | number, string | number][];
    const refused: [Levels, Levels, string][] = [
      [[['-99', '1']], [], '/bids/0/0'],
      [[['99', '-1']], [], '/bids/0/1'],
      [[], [[0, '1']], '/asks/0/0'],
      [[], [[-102, 1]], '/asks/0/0'],
    ];
    for (const [bids, asks, path] of refused) {
      expect(() => broadcast.broadcastDepth({ symbol: 'BTC/USDT', type: 'delta', bids, asks })).toThrow(
        expect.objectContaining({
          code: 'INVALID_PAYLOAD',
          details: expect.arrayContaining([expect.objectContaining({ path })]),
        }),
      );
    }
    expect(() =>
      broadcast.broadcastWalletUpdate('alice', { asset: 'USDT', available: -1, locked: 0, total: 0 }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD' }));
    expect(books.snapshot('BTC/USDT')).toMatchObject({ bids: [['100', '1']], asks: [['101', '1']], seq: 1 });
    expect(sent).toHaveLength(1);
  });

  it('unknown symbols are refused unless allowUnknownSymbols', async () => {
    const strict = setup();
    expect(() => strict.broadcast.broadcastPriceUpdate('DOGE/USDT', { price: 1, bid: 1, ask: 1, volume: 1 })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SYMBOL' }),
    );
    // Private events carry a symbol too: an order on a market the gateway does not list is refused alike.
    const foreign = { ...order, symbol: 'FOO/BAR', status: 'new' as const };
    expect(() => strict.broadcast.broadcastOrderUpdate('alice', foreign)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SYMBOL' }),
    );
    const position = {
      positionId: 'p1',
      symbol: 'FOO/BAR',
      side: 'long' as const,
      size: 1,
      entryPrice: 1,
      markPrice: 1,
      liquidationPrice: 0,
      unrealizedPnl: 0,
      margin: 1,
      leverage: 1,
    };
    expect(() => strict.broadcast.broadcastPositionUpdate('alice', position)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SYMBOL' }),
    );
    expect(() =>
      strict.broadcast.broadcastMarginCall('alice', {
        symbol: 'FOO/BAR',
        marginRatio: 1,
        maintenanceMargin: 1,
        message: 'm',
      }),
    ).toThrow(expect.objectContaining({ code: 'UNKNOWN_SYMBOL' }));
    expect(() => strict.broadcast.publishBatch([{ event: 'order.new', userId: 'alice', data: foreign }])).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SYMBOL' }),
    );
    expect(strict.sent).toEqual([]);
    const lax = setup({ allowUnknownSymbols: true });
    await lax.broadcast.broadcastPriceUpdate('DOGE/USDT', { price: 1, bid: 1, ask: 1, volume: 1 });
    expect(lax.sent).toHaveLength(1);
  });

  it('picks the order event from the status unless told', async () => {
    const { sent, broadcast } = setup();
    for (const status of ['new', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired'] as const) {
      await broadcast.broadcastOrderUpdate('u1', { ...order, status });
    }
    await broadcast.broadcastOrderUpdate('u1', { ...order, status: 'new' }, 'order.update');
    expect(sent.map((s) => s.event)).toEqual([
      'order.new',
      'order.update',
      'order.filled',
      'order.cancelled',
      'order.cancelled',
      'order.cancelled',
      'order.update',
    ]);
    expect(sent.every((s) => s.ns === '/user' && s.room === 'orders:u1')).toBe(true);
    expect(sent[0]!.payload).toMatchObject({ price: '0', quantity: '0.00000001' });
  });

  it('system.message goes to every namespace without seq', async () => {
    const { sent, broadcast } = setup();
    const wire = await broadcast.broadcastSystemMessage({ type: 'info', message: 'hello' });
    expect(wire).not.toHaveProperty('seq');
    expect(sent.map((s) => [s.ns, s.room])).toEqual(NAMESPACE_NAMES.map((ns) => [ns, null]));
  });

  it('market.trades stamps each trade with the batch timestamp when missing', async () => {
    const { broadcast } = setup();
    const wire = await broadcast.broadcastMarketTrades({
      symbol: 'BTC/USDT',
      timestamp: 77,
      trades: [
        { tradeId: 'a', price: 1, quantity: 1, side: 'buy' },
        { tradeId: 'b', price: 1, quantity: 1, side: 'sell', timestamp: 5 },
      ],
    });
    expect(wire.trades.map((t) => t.timestamp)).toEqual([77, 5]);
    expect(publishValidators['market.trades'].wire.check(wire)).toBe(true);
  });

  it('publishBatch delivers several items in one delivery batch, a single item without one', async () => {
    const { sent, batches, broadcast } = setup();
    const price = (p: number) => ({
      event: 'price.update' as const,
      data: { symbol: 'BTC/USDT', price: p, bid: p, ask: p, volume: 1 },
    });
    await broadcast.publishBatch([price(1), price(2), price(3)]);
    expect(batches).toEqual([3]);
    // One item goes to one room: no connection is due two of its frames, so nothing to collect first.
    await broadcast.publishBatch([price(4)]);
    expect(batches).toEqual([3]);
    expect(sent.map((s) => s.payload.price)).toEqual(['1', '2', '3', '4']);
  });

  it('publishBatch is all or nothing', async () => {
    const { sent, broadcast } = setup();
    expect(() =>
      broadcast.publishBatch([
        { event: 'price.update', data: { symbol: 'BTC/USDT', price: 1, bid: 1, ask: 1, volume: 1 } },
        { event: 'wallet.update', data: { asset: 'USDT', available: 1, locked: 0, total: 1 } },
      ]),
    ).toThrow(
      expect.objectContaining({ code: 'INVALID_PAYLOAD', details: [expect.objectContaining({ path: '/1/userId' })] }),
    );
    expect(sent).toEqual([]);
    const out = await broadcast.publishBatch([
      { event: 'price.update', data: { symbol: 'BTC/USDT', price: 1, bid: 1, ask: 1, volume: 1 } },
      { event: 'wallet.update', data: { asset: 'USDT', available: 1, locked: 0, total: 1 }, userId: 'u1' },
    ]);
    expect(out).toHaveLength(2);
    expect(sent.map((s) => s.room)).toEqual(['prices:BTC/USDT', 'wallet:u1']);
  });

  it('keeps per-room order with an async sequence store whose answers come back out of order', async () => {
    const inner = new MemorySequenceStore();
    let flip = false;
    const sequences: SequenceStore = {
      next: (room) => {
        const seq = inner.next(room);
        flip = !flip;
        return new Promise((resolve) => setTimeout(() => resolve(seq), flip ? 20 : 1));
      },
      current: (room) => inner.current(room),
    };
    const { sent, broadcast } = setup({ sequences });
    const all = [];
    for (let i = 0; i < 10; i++) {
      all.push(broadcast.broadcastDepth({ symbol: 'BTC/USDT', type: 'delta', bids: [[100 + i, 1]], asks: [] }));
      all.push(broadcast.broadcastTicker({ symbol: 'BTC/USDT', bid: i + 1, ask: i + 1, last: i + 1 }));
    }
    await Promise.all(all);
    const depth = sent.filter((s) => s.event === 'market.depth').map((s) => [s.payload.seq, s.payload.prevSeq]);
    expect(depth).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1, i]));
    const ticker = sent.filter((s) => s.event === 'market.ticker').map((s) => [s.payload.seq, s.payload.last]);
    expect(ticker).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1, String(i + 1)]));
  });
});
