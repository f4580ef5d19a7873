import { type BookLevel, bookChecksum, CHECKSUM_DEPTH } from './checksum.js';
import { compareDecimal, isZeroDecimal, toDecimalString } from './decimal.js';

export type BookSide = 'bids' | 'asks';

/**
 * One side of a book: price → quantity plus prices kept sorted best-first, so reading the top N
 * levels (checksum, snapshot) is a slice rather than a sort on every message.
 */
class BookSideState {
  private readonly quantities = new Map<string, string>();
  private readonly prices: string[] = [];

  constructor(private readonly descending: boolean) {}

  get size(): number {
    return this.prices.length;
  }

  clear(): void {
    this.quantities.clear();
    this.prices.length = 0;
  }

  set(price: string, quantity: string): void {
    if (isZeroDecimal(quantity)) {
      if (!this.quantities.delete(price)) return;
      const i = this.indexOf(price);
      if (i < this.prices.length && this.prices[i] === price) this.prices.splice(i, 1);
      return;
    }
    if (!this.quantities.has(price)) this.prices.splice(this.indexOf(price), 0, price);
    this.quantities.set(price, quantity);
  }

  levels(depth = Number.POSITIVE_INFINITY): BookLevel[] {
    const n = Math.min(depth, this.prices.length);
    const out: BookLevel[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const price = this.prices[i]!;
      out[i] = [price, this.quantities.get(price)!];
    }
    return out;
  }

  best(): BookLevel | undefined {
    const price = this.prices[0];
    return price === undefined ? undefined : [price, this.quantities.get(price)!];
  }

  /** Binary search for the position of `price` in best-first order. */
  private indexOf(price: string): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const cmp = compareDecimal(this.prices[mid]!, price);
      const before = this.descending ? cmp > 0 : cmp < 0;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * A price-level order book: applies snapshots and deltas (quantity "0" removes a level) and yields
 * best-first levels and the protocol checksum. Pure data, no I/O: the server's broadcaster and
 * subscribe path and the client SDK's local book all use this one implementation.
 */
export class OrderBookState {
  private readonly bidSide = new BookSideState(true);
  private readonly askSide = new BookSideState(false);

  constructor(readonly symbol: string) {}

  /** Replaces the whole book. */
  applySnapshot(bids: readonly BookLevel[], asks: readonly BookLevel[]): void {
    this.bidSide.clear();
    this.askSide.clear();
    this.applyDelta(bids, asks);
  }

  /** Sets each given level; a zero quantity removes the level. Prices and quantities are canonicalised. */
  applyDelta(bids: readonly BookLevel[], asks: readonly BookLevel[]): void {
    for (const [price, quantity] of bids) this.bidSide.set(toDecimalString(price), toDecimalString(quantity));
    for (const [price, quantity] of asks) this.askSide.set(toDecimalString(price), toDecimalString(quantity));
  }

  /** Best-first levels of one side, at most `depth`. */
  levels(side: BookSide, depth?: number): BookLevel[] {
    return (side === 'bids' ? this.bidSide : this.askSide).levels(depth);
  }

  bids(depth?: number): BookLevel[] {
    return this.bidSide.levels(depth);
  }

  asks(depth?: number): BookLevel[] {
    return this.askSide.levels(depth);
  }

  bestBid(): BookLevel | undefined {
    return this.bidSide.best();
  }

  bestAsk(): BookLevel | undefined {
    return this.askSide.best();
  }

  /** Number of levels on each side. */
  size(): { bids: number; asks: number } {
    return { bids: this.bidSide.size, asks: this.askSide.size };
  }

  checksum(depth = CHECKSUM_DEPTH): number {
    return bookChecksum(this.bidSide.levels(depth), this.askSide.levels(depth), depth);
  }

  clear(): void {
    this.bidSide.clear();
    this.askSide.clear();
  }
}
