import { type BookLevel, MAX_DEPTH_LEVELS, type MarketDepth, OrderBookState } from '@ws/protocol';
import { PreEncodedJson } from '../encoding/pre-encoded-json.js';

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
  /** Snapshots of this version of the book by depth, built and encoded once, dropped when the book changes. */
  snapshots?: Map<number, PreEncodedJson<MarketDepth>>;
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
    entry.snapshots = undefined;
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

  /**
   * The book's top `depth` levels per side as a `snapshot` message, built and JSON-encoded once per book
   * version (seq) and depth: every requester until the next change gets the same object and the same bytes.
   */
  encodedSnapshot(symbol: string, depth: number): PreEncodedJson<MarketDepth> | undefined {
    const entry = this.books.get(symbol);
    if (!entry) return undefined;
    entry.snapshots ??= new Map();
    let cached = entry.snapshots.get(depth);
    if (!cached) {
      cached = new PreEncodedJson<MarketDepth>({
        symbol,
        type: 'snapshot',
        bids: entry.book.bids(depth).map(([p, q]) => [p, q]),
        asks: entry.book.asks(depth).map(([p, q]) => [p, q]),
        seq: entry.seq,
        prevSeq: entry.seq,
        checksum: entry.book.checksum(),
        timestamp: Date.now(),
      });
      entry.snapshots.set(depth, cached);
      this.#encodings++;
    }
    return cached;
  }

  /** Snapshots built and encoded so far (each serves every request for its book version and depth). */
  get snapshotEncodings(): number {
    return this.#encodings;
  }

  #encodings = 0;

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
