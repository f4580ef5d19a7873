import { Agent } from 'node:http';
import type { PublishItem } from '@ws/protocol';
import { postPublish } from '../publish/post-publish.js';

export interface ChaosPublisherOptions {
  /** Base URL of the publish API (the load balancer). */
  url: string;
  /** Bearer token with role `service`. */
  token: string;
  userIds: readonly string[];
  /** Symbols of the `price.update` stream. */
  priceSymbols: readonly string[];
  /** Symbol of the `market.depth` stream (a book of 20 levels a side, changed by deltas). */
  bookSymbol: string;
  /** Private `order.new` events per second over all users. */
  privatePerSecond: number;
  /** `price.update` per second per symbol, and `market.depth` deltas per second. */
  publicPerSecond: number;
}

/** Parent → publisher process. */
export type PublisherCommand =
  | { type: 'start'; options: ChaosPublisherOptions }
  | { type: 'burst'; count: number }
  | { type: 'mark'; phase: string }
  | { type: 'stop' };

/** Publisher process → parent. */
export type PublisherReport =
  | { type: 'started' }
  | { type: 'burst-sent'; accepted: boolean }
  | { type: 'marked'; phase: string; attempts: number }
  | { type: 'stopped'; stats: ChaosPublisherStats };

export interface ChaosPublisherStats {
  requests: number;
  acceptedItems: number;
  failedItems: number;
  failuresByStatus: Record<string, number>;
}

const TICK_MS = 50;
const BID_LEVELS = Array.from({ length: 20 }, (_, i) => 100 - i);
const ASK_LEVELS = Array.from({ length: 20 }, (_, i) => 101 + i);

/**
 * The backend service of the chaos run: publishes private `order.new` events to every user round-robin and
 * public `price.update` and `market.depth` continuously through the publish API, one batch per tick and one
 * request at a time. Items of a failed request are not retried (they were never sequenced, or were and
 * reached whoever was connected); the run counts delivery by seq, not by what the publisher intended.
 * `mark` publishes one marker event per user (and per public stream) and retries until it is accepted.
 */
export class ChaosPublisher {
  readonly stats: ChaosPublisherStats = { requests: 0, acceptedItems: 0, failedItems: 0, failuresByStatus: {} };
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 2 });
  private readonly endpoint: URL;
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;
  private counter = 0;
  private userCursor = 0;
  private privateDebt = 0;
  private publicDebt = 0;

  constructor(private readonly options: ChaosPublisherOptions) {
    this.endpoint = new URL('/api/v1/publish', options.url);
  }

  /** Publishes the book's first snapshot (retrying), then starts the continuous streams. */
  async start(): Promise<void> {
    const snapshot: PublishItem = {
      event: 'market.depth',
      data: {
        symbol: this.options.bookSymbol,
        type: 'snapshot',
        bids: BID_LEVELS.map((p) => [String(p), '1']),
        asks: ASK_LEVELS.map((p) => [String(p), '1']),
      },
    };
    await this.sendUntilAccepted([snapshot]);
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** One request of `count` private events at once (a burst), on top of the continuous streams. */
  async burst(count: number): Promise<boolean> {
    const items: PublishItem[] = [];
    for (let i = 0; i < count; i++) items.push(this.nextOrder());
    return (await this.send(items)) === '202';
  }

  /** Marker events for every user and public stream; resolves with the attempts it took. */
  async mark(phase: string): Promise<number> {
    const items: PublishItem[] = this.options.userIds.map((userId) => ({
      event: 'order.new',
      userId,
      data: this.order(`mark-${phase}-${userId}`),
    }));
    for (const symbol of this.options.priceSymbols) items.push(this.price(symbol));
    items.push(this.delta());
    return this.sendUntilAccepted(items);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.busy) await new Promise((resolve) => setTimeout(resolve, 20));
    this.agent.destroy();
  }

  private tick(): void {
    this.privateDebt += (this.options.privatePerSecond * TICK_MS) / 1000;
    this.publicDebt += (this.options.publicPerSecond * TICK_MS) / 1000;
    if (this.busy) return;
    const items: PublishItem[] = [];
    // What fell due while a request was slow is dropped, not piled up: the rate stays the rate.
    const privateDue = Math.min(Math.floor(this.privateDebt), 200);
    const publicDue = Math.min(Math.floor(this.publicDebt), 20);
    this.privateDebt -= Math.floor(this.privateDebt);
    this.publicDebt -= Math.floor(this.publicDebt);
    for (let i = 0; i < privateDue; i++) items.push(this.nextOrder());
    for (let i = 0; i < publicDue; i++) {
      for (const symbol of this.options.priceSymbols) items.push(this.price(symbol));
      items.push(this.delta());
    }
    if (items.length === 0) return;
    this.busy = true;
    this.send(items).finally(() => {
      this.busy = false;
    });
  }

  private async sendUntilAccepted(items: PublishItem[]): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      while (this.busy) await new Promise((resolve) => setTimeout(resolve, 10));
      this.busy = true;
      const status = await this.send(items).finally(() => {
        this.busy = false;
      });
      if (status === '202') return attempt;
      if (attempt >= 120) throw new Error(`publish not accepted after ${attempt} attempts (last: ${status})`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private nextOrder(): PublishItem {
    const userId = this.options.userIds[this.userCursor++ % this.options.userIds.length]!;
    return { event: 'order.new', userId, data: this.order(`o-${this.counter++}`) };
  }

  private order(orderId: string): Record<string, unknown> {
    return {
      orderId,
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      price: '100',
      quantity: '1',
      filledQuantity: '0',
      status: 'new',
      timestamp: Date.now(),
    };
  }

  private price(symbol: string): PublishItem {
    const p = (100 + (this.counter++ % 500) / 100).toFixed(2);
    return { event: 'price.update', data: { symbol, price: p, bid: p, ask: p, volume: '1', timestamp: Date.now() } };
  }

  private delta(): PublishItem {
    const n = this.counter++;
    const bid = n % 2 === 0;
    const levels = bid ? BID_LEVELS : ASK_LEVELS;
    const price = levels[(n * 7) % levels.length]!;
    // Every fifth change removes the level; the next change of that price puts it back.
    const qty = n % 5 === 0 ? '0' : String(1 + (n % 9));
    const side = [[String(price), qty]];
    return {
      event: 'market.depth',
      data: { symbol: this.options.bookSymbol, type: 'delta', bids: bid ? side : [], asks: bid ? [] : side },
    };
  }

  /** Resolves with the HTTP status, or the error code when there was no answer. */
  private async send(items: PublishItem[]): Promise<string> {
    this.stats.requests++;
    const status = await postPublish(this.endpoint, JSON.stringify(items), {
      agent: this.agent,
      token: this.options.token,
      timeoutMs: 15_000,
    });
    if (status === '202') this.stats.acceptedItems += items.length;
    else {
      this.stats.failedItems += items.length;
      this.stats.failuresByStatus[status] = (this.stats.failuresByStatus[status] ?? 0) + items.length;
    }
    return status;
  }
}
