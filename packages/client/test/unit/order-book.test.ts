import { type MarketDepth, OrderBookState } from '@ws/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveOrderBook, type OrderBookResync, type OrderBookSource } from '../../src/order-book.js';

const SYMBOL = 'BTC/USDT';

/** The server's side: a book, a seq, and the messages it would send. */
class ServerBook {
  readonly book = new OrderBookState(SYMBOL);
  seq = 0;

  delta(bids: [string, string][], asks: [string, string][]): MarketDepth {
    const prevSeq = this.seq;
    this.book.applyDelta(bids, asks);
    this.seq++;
    return {
      symbol: SYMBOL,
      type: 'delta',
      bids,
      asks,
      seq: this.seq,
      prevSeq,
      checksum: this.book.checksum(),
      timestamp: 1,
    };
  }

  snapshot(): MarketDepth {
    return {
      symbol: SYMBOL,
      type: 'snapshot',
      bids: this.book.bids() as [string, string][],
      asks: this.book.asks() as [string, string][],
      seq: this.seq,
      prevSeq: this.seq,
      checksum: this.book.checksum(),
      timestamp: 1,
    };
  }
}

function setup() {
  const server = new ServerBook();
  server.delta(
    [
      ['100', '1'],
      ['99', '2'],
    ],
    [
      ['101', '1'],
      ['102', '3'],
    ],
  );
  const snapshots: number[] = [];
  const source: OrderBookSource = {
    snapshot: async () => {
      snapshots.push(server.seq);
      return server.snapshot();
    },
    retryDelay: () => 1,
    release: async () => {},
  };
  const book = new LiveOrderBook(SYMBOL, source);
  const resyncs: OrderBookResync[] = [];
  book.on('resync', (r) => resyncs.push(r));
  return { server, book, snapshots, resyncs, source };
}

const same = (book: LiveOrderBook, server: ServerBook) => {
  expect(book.bids()).toEqual(server.book.bids());
  expect(book.asks()).toEqual(server.book.asks());
  expect(book.checksum()).toBe(server.book.checksum());
};

describe('LiveOrderBook', () => {
  afterEach(() => vi.useRealTimers());

  it('applies a pushed snapshot, then deltas, verifying each', async () => {
    const { server, book, resyncs } = setup();
    const updates: string[] = [];
    book.on('update', (u) => updates.push(`${u.type}:${u.seq}`));
    expect(book.synced).toBe(false);
    expect(book.bestBid()).toBeUndefined();
    book.handle(server.snapshot());
    await expect(book.ready()).resolves.toBe(book);
    expect(book.bestBid()).toEqual(['100', '1']);
    expect(book.bestAsk()).toEqual(['101', '1']);
    book.handle(server.delta([['100', '0']], [['101', '5']]));
    book.handle(server.delta([['98.5', '4']], []));
    same(book, server);
    expect(book.bestBid()).toEqual(['99', '2']);
    expect(book.levels('bids', 1)).toEqual([['99', '2']]);
    expect(book.seq).toBe(server.seq);
    expect(updates).toEqual(['snapshot:1', 'delta:2', 'delta:3']);
    expect(resyncs).toEqual([]);
  });

  it('buffers deltas that arrive before the fetched snapshot and applies the newer ones', async () => {
    const { server, book, source } = setup();
    const early = server.delta([['97', '1']], []); // seq 2, included in the snapshot below
    const fetched = server.snapshot();
    const late = server.delta([['96', '1']], []); // seq 3, after the snapshot
    book.handle(early);
    book.handle(late);
    source.snapshot = async () => fetched;
    book.sync();
    await book.ready();
    same(book, server);
    expect(book.seq).toBe(3);
  });

  it('a delta with a bad checksum: resyncs from market.snapshot and ends equal to the server', async () => {
    const { server, book, resyncs, snapshots } = setup();
    book.handle(server.snapshot());
    const good = server.delta([['100', '7']], []);
    book.handle({ ...good, checksum: (good.checksum + 1) >>> 0 });
    expect(book.synced).toBe(false);
    expect(book.bestBid()).toBeUndefined(); // never a wrong book
    await vi.waitFor(() => expect(book.synced).toBe(true));
    same(book, server);
    expect(snapshots).toEqual([2]);
    expect(resyncs).toEqual([{ symbol: SYMBOL, reason: 'checksum', seq: 2 }]);
  });

  it('a skipped seq: resyncs and reports expected/received prevSeq', async () => {
    const { server, book, resyncs } = setup();
    book.handle(server.snapshot());
    server.delta([['95', '1']], []); // lost
    book.handle(server.delta([['94', '1']], []));
    await vi.waitFor(() => expect(book.synced).toBe(true));
    same(book, server);
    expect(resyncs).toEqual([{ symbol: SYMBOL, reason: 'sequence', expected: 1, received: 2, seq: 3 }]);
    book.handle(server.delta([['93', '1']], []));
    same(book, server);
  });

  it('ignores deltas already contained in the book and messages of other symbols', () => {
    const { server, book } = setup();
    const old = server.delta([['90', '1']], []);
    book.handle(server.snapshot());
    book.handle(old);
    book.handle({ ...server.snapshot(), symbol: 'ETH/USDT', bids: [] });
    same(book, server);
  });

  it('sync(grace) takes the snapshot the server pushes and requests none', async () => {
    const { server, book, snapshots } = setup();
    book.sync(60_000);
    book.handle(server.snapshot());
    await book.ready();
    expect(snapshots).toEqual([]);
    await book.close(); // and the grace timer is gone: vitest would otherwise wait for it
  });

  it('sync(grace) requests a snapshot when none is pushed', async () => {
    const { server, book, snapshots } = setup();
    book.sync(5);
    await book.ready();
    expect(snapshots).toEqual([1]);
    same(book, server);
  });

  it('retries a failing snapshot request until it succeeds', async () => {
    const { server, book, source } = setup();
    let failures = 2;
    const real = source.snapshot;
    source.snapshot = async (s) => {
      if (failures-- > 0) throw new Error('disconnected');
      return real(s);
    };
    book.sync();
    await book.ready();
    same(book, server);
    expect(failures).toBe(-1);
  });

  it('a snapshot that fails its own checksum is not trusted', async () => {
    const { server, book } = setup();
    book.handle({ ...server.snapshot(), checksum: 1 });
    expect(book.synced).toBe(false);
    await vi.waitFor(() => expect(book.synced).toBe(true));
    same(book, server);
  });

  it('garbage levels trigger a resync instead of throwing', async () => {
    const { server, book, resyncs } = setup();
    book.handle(server.snapshot());
    expect(() => book.handle({ ...server.delta([], []), bids: [['not-a-number', '1']] })).not.toThrow();
    await vi.waitFor(() => expect(book.synced).toBe(true));
    expect(resyncs[0]?.reason).toBe('invalid');
  });

  it('suspend drops the state and the next snapshot reports a reconnect resync', async () => {
    const { server, book, resyncs } = setup();
    book.handle(server.snapshot());
    book.suspend();
    expect(book.synced).toBe(false);
    expect(book.levels('asks')).toEqual([]);
    server.delta([['80', '1']], []);
    book.handle(server.snapshot());
    expect(book.synced).toBe(true);
    same(book, server);
    expect(resyncs).toEqual([{ symbol: SYMBOL, reason: 'reconnect', seq: 2 }]);
  });

  it('close rejects pending ready() and stops the book', async () => {
    const { book } = setup();
    const ready = book.ready();
    await book.close();
    await expect(ready).rejects.toThrow('closed');
    expect(book.closed).toBe(true);
  });
});
