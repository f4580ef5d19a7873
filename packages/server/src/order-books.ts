import { type BookLevel, MAX_DEPTH_LEVELS, type MarketDepth, OrderBookState } from '@ws/protocol';

/** A depth message as the broadcaster hands it over: validated and with canonical decimal strings. */
export interface DepthUpdate {
  symbol: string;
  type: 'snapshot' | 'delta';
  bids: readonly BookLevel[];
  asks: readonly BookLevel[];
  timestamp: number;
}

interface BookEntry {
  book: OrderBookState;
  /** Seq of the last message applied to this book; the next message's prevSeq. */
  seq: number;
}

/**
 * The one place that holds order-book state per symbol: the broadcaster applies published depth here
 * and the subscribe path and `market.snapshot` read snapshots from here, so both always agree.
 */
export class OrderBooks {
  private readonly books = new Map<string, BookEntry>();

  /**
   * Applies a message that was assigned `seq` and returns its wire form (prevSeq, checksum after applying).
   * `prevSeq` defaults to the seq of the last message applied here; the cluster passes the global one.
   */
  apply(update: DepthUpdate, seq: number, prevSeq?: number): MarketDepth {
    let entry = this.books.get(update.symbol);
    if (!entry) {
      entry = { book: new OrderBookState(update.symbol), seq: 0 };
      this.books.set(update.symbol, entry);
    }
    if (update.type === 'snapshot') entry.book.applySnapshot(update.bids, update.asks);
    else entry.book.applyDelta(update.bids, update.asks);
    const prev = prevSeq ?? entry.seq;
    entry.seq = seq;
    return {
      symbol: update.symbol,
      type: update.type,
      bids: update.bids.map(([p, q]) => [p, q]),
      asks: update.asks.map(([p, q]) => [p, q]),
      seq,
      prevSeq: prev,
      checksum: entry.book.checksum(),
      timestamp: update.timestamp,
    };
  }

  /** The whole book as a `snapshot` message with the seq of the last applied message (prevSeq = seq). */
  snapshot(symbol: string, timestamp = Date.now()): MarketDepth | undefined {
    const entry = this.books.get(symbol);
    if (!entry) return undefined;
    return {
      symbol,
      type: 'snapshot',
      bids: entry.book.bids(MAX_DEPTH_LEVELS).map(([p, q]) => [p, q]),
      asks: entry.book.asks(MAX_DEPTH_LEVELS).map(([p, q]) => [p, q]),
      seq: entry.seq,
      prevSeq: entry.seq,
      checksum: entry.book.checksum(),
      timestamp,
    };
  }

  /** Replaces the symbol's book with a state read elsewhere (the cluster's book in Redis) as of `seq`. */
  load(symbol: string, bids: readonly BookLevel[], asks: readonly BookLevel[], seq: number): void {
    const book = new OrderBookState(symbol);
    book.applySnapshot(bids, asks);
    this.books.set(symbol, { book, seq });
  }

  /** Seq of the last message applied to the symbol's book (0 when none). */
  seq(symbol: string): number {
    return this.books.get(symbol)?.seq ?? 0;
  }

  has(symbol: string): boolean {
    return this.books.has(symbol);
  }

  symbols(): string[] {
    return [...this.books.keys()];
  }

  delete(symbol: string): void {
    this.books.delete(symbol);
  }
}
