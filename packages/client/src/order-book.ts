import type { BookLevel, BookSide, DepthType, MarketDepth } from '@ws/protocol';
import { OrderBookState } from '@ws/protocol/runtime';
import { TypedEmitter } from './typed-emitter.js';

/** Why a book threw its state away and fetched a fresh snapshot. */
export type ResyncReason = 'checksum' | 'sequence' | 'reconnect' | 'invalid';

/** Payload of a book's `update` event (and of nothing else: read the book itself). */
export interface OrderBookUpdate {
  symbol: string;
  type: DepthType;
  /** Seq of the depth message just applied. */
  seq: number;
  timestamp: number;
}

/** Payload of `resync`: the book was found wrong (or went stale) and now holds a verified snapshot again. */
export interface OrderBookResync {
  symbol: string;
  reason: ResyncReason;
  /** Seq of the snapshot the book was rebuilt from. */
  seq: number;
  /** With `sequence`: the prevSeq the book expected and the one it got. */
  expected?: number;
  received?: number;
}

export type OrderBookEvents = {
  /** A depth message was applied and verified. */
  update: OrderBookUpdate;
  /** The book was rebuilt from a snapshot after a mismatch or a reconnect. */
  resync: OrderBookResync;
};

/** What a live book needs from the client: a snapshot request, a retry delay, and a way to unsubscribe. */
export interface OrderBookSource {
  snapshot(symbol: string): Promise<MarketDepth>;
  retryDelay(attempt: number): number;
  release(symbol: string): Promise<void>;
}

/** Deltas kept while a snapshot is on its way; more than this and the snapshot alone is trusted. */
const MAX_BUFFERED = 10_000;

type PendingResync = Omit<OrderBookResync, 'seq' | 'symbol'>;

/**
 * A local order book kept equal to the server's: applies the snapshot and deltas of `market.depth`,
 * checks `prevSeq` continuity and the CRC-32 checksum of every message, and on any mismatch throws
 * its state away and rebuilds from `market.snapshot`. While it is not verified (`synced === false`)
 * every read returns an empty book, so the app never sees a wrong one.
 */
export class LiveOrderBook extends TypedEmitter<OrderBookEvents> {
  readonly #book: OrderBookState;
  #status: 'syncing' | 'synced' | 'closed' = 'syncing';
  #lastSeq = -1;
  #buffer: MarketDepth[] = [];
  #pending: PendingResync | null = null;
  #fetching = false;
  #attempts = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #readyWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  readonly symbol: string;
  readonly #source: OrderBookSource;

  constructor(symbol: string, source: OrderBookSource) {
    super();
    this.symbol = symbol;
    this.#source = source;
    this.#book = new OrderBookState(symbol);
  }

  /** True while the book holds a verified state. */
  get synced(): boolean {
    return this.#status === 'synced';
  }

  get closed(): boolean {
    return this.#status === 'closed';
  }

  /** Seq of the last applied depth message, or undefined while syncing. */
  get seq(): number | undefined {
    return this.synced ? this.#lastSeq : undefined;
  }

  bestBid(): BookLevel | undefined {
    return this.synced ? this.#book.bestBid() : undefined;
  }

  bestAsk(): BookLevel | undefined {
    return this.synced ? this.#book.bestAsk() : undefined;
  }

  /** Best-first levels of one side, at most `depth`. */
  levels(side: BookSide, depth?: number): BookLevel[] {
    return this.synced ? this.#book.levels(side, depth) : [];
  }

  bids(depth?: number): BookLevel[] {
    return this.levels('bids', depth);
  }

  asks(depth?: number): BookLevel[] {
    return this.levels('asks', depth);
  }

  /** The protocol checksum of the current book (0 levels while syncing). */
  checksum(): number {
    return this.synced ? this.#book.checksum() : new OrderBookState(this.symbol).checksum();
  }

  /** Resolves once the book holds a verified snapshot; rejects if it is closed first. */
  ready(): Promise<this> {
    if (this.synced) return Promise.resolve(this);
    if (this.closed) return Promise.reject(new Error('order book closed'));
    return new Promise((resolve, reject) => {
      this.#readyWaiters.push({ resolve: () => resolve(this), reject });
    });
  }

  /** Unsubscribes from the depth stream and stops the book. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.dispose();
    await this.#source.release(this.symbol);
  }

  /** @internal Feeds one `market.depth` message. */
  handle(depth: MarketDepth): void {
    if (this.#status === 'closed' || depth.symbol !== this.symbol) return;
    if (this.#status === 'syncing') {
      if (depth.type === 'snapshot') this.#applySnapshot(depth);
      else this.#bufferDelta(depth);
      return;
    }
    if (depth.type === 'snapshot') {
      this.#applySnapshot(depth);
      return;
    }
    if (depth.seq <= this.#lastSeq) return; // already contained in what we have
    if (depth.prevSeq !== this.#lastSeq) {
      this.#resync({ reason: 'sequence', expected: this.#lastSeq, received: depth.prevSeq });
      this.#bufferDelta(depth);
      return;
    }
    if (!this.#applyDelta(depth)) return;
    this.emit('update', { symbol: this.symbol, type: 'delta', seq: depth.seq, timestamp: depth.timestamp });
  }

  /** @internal The stream went away (disconnect): drop the state, wait for `sync()` after resubscribing. */
  suspend(): void {
    if (this.#status === 'closed') return;
    if (this.#status === 'synced') this.#pending ??= { reason: 'reconnect' };
    this.#reset();
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  /**
   * @internal Fetches a snapshot unless one arrives first: the server pushes one after a subscribe ack
   * (when it has a book), so waiting `graceMs` for it saves a `market.snapshot` round trip per book.
   */
  sync(graceMs = 0): void {
    if (this.#status !== 'syncing') return;
    if (graceMs <= 0) {
      this.#fetch();
      return;
    }
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#fetch(), graceMs);
  }

  /** @internal Stops the book without unsubscribing (the client is closing or already unsubscribed). */
  dispose(error: unknown = new Error('order book closed')): void {
    if (this.#status === 'closed') return;
    this.#status = 'closed';
    this.#book.clear();
    this.#buffer = [];
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const w of waiters) w.reject(error);
  }

  #reset(): void {
    this.#status = 'syncing';
    this.#book.clear();
    this.#buffer = [];
    this.#lastSeq = -1;
  }

  #resync(pending: PendingResync): void {
    this.#pending ??= pending;
    this.#reset();
    this.#fetch();
  }

  #bufferDelta(depth: MarketDepth): void {
    if (this.#buffer.length >= MAX_BUFFERED) this.#buffer = [];
    this.#buffer.push(depth);
  }

  #fetch(): void {
    if (this.#fetching || this.#status !== 'syncing') return;
    this.#fetching = true;
    this.#source.snapshot(this.symbol).then(
      (depth) => {
        this.#fetching = false;
        // A snapshot pushed by the server may have synced the book meanwhile.
        if (this.#status === 'syncing') this.#applySnapshot(depth);
      },
      () => {
        this.#fetching = false;
        if (this.#status !== 'syncing') return;
        clearTimeout(this.#retryTimer);
        this.#retryTimer = setTimeout(() => this.#fetch(), this.#source.retryDelay(this.#attempts++));
      },
    );
  }

  #applySnapshot(depth: MarketDepth): void {
    try {
      this.#book.applySnapshot(depth.bids, depth.asks);
    } catch {
      this.#resync({ reason: 'invalid' });
      return;
    }
    if (this.#book.checksum() !== depth.checksum) {
      // A snapshot that does not match its own checksum: try again after a pause.
      this.#pending ??= { reason: 'checksum' };
      this.#reset();
      this.#retryTimer = setTimeout(() => this.#fetch(), this.#source.retryDelay(this.#attempts++));
      return;
    }
    const wasSynced = this.#status === 'synced';
    this.#status = 'synced';
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#lastSeq = depth.seq;
    this.#attempts = 0;
    if (!this.#drainBuffer()) return;
    const pending = this.#pending;
    this.#pending = null;
    if (pending) this.emit('resync', { symbol: this.symbol, seq: depth.seq, ...pending });
    if (!wasSynced) {
      const waiters = this.#readyWaiters;
      this.#readyWaiters = [];
      for (const w of waiters) w.resolve();
    }
    this.emit('update', { symbol: this.symbol, type: 'snapshot', seq: this.#lastSeq, timestamp: depth.timestamp });
  }

  /** Applies the deltas that arrived while syncing; false when they broke the chain (a new resync started). */
  #drainBuffer(): boolean {
    const buffered = this.#buffer.sort((a, b) => a.seq - b.seq);
    this.#buffer = [];
    for (const delta of buffered) {
      if (delta.type === 'snapshot' || delta.seq <= this.#lastSeq) continue;
      if (delta.prevSeq !== this.#lastSeq) {
        this.#resync({ reason: 'sequence', expected: this.#lastSeq, received: delta.prevSeq });
        return false;
      }
      if (!this.#applyDelta(delta)) return false;
    }
    return true;
  }

  /** Applies and verifies one delta; on a bad checksum or payload starts a resync and returns false. */
  #applyDelta(depth: MarketDepth): boolean {
    try {
      this.#book.applyDelta(depth.bids, depth.asks);
    } catch {
      this.#resync({ reason: 'invalid' });
      return false;
    }
    if (this.#book.checksum() !== depth.checksum) {
      this.#resync({ reason: 'checksum' });
      return false;
    }
    this.#lastSeq = depth.seq;
    return true;
  }
}
