import { type LiveOrderBook, TradingClient } from '@ws/client';
import type { BookView, ChaosClient } from './chaos-client.js';
import { MarketLedger } from './market-ledger.js';
import { PrivateLedger } from './private-ledger.js';

export interface SdkChaosClientOptions {
  userId: string;
  lane: number;
  url: string;
  token: string;
  priceSymbol: string;
  bookSymbol: string;
}

/**
 * A trader on the SDK (`TradingClient`): `/user` with replay from `auth.since`, a price stream, and a
 * verified live order book, all restored by the SDK itself after every drop.
 */
export class SdkChaosClient implements ChaosClient {
  readonly userId: string;
  readonly lane: number;
  readonly orders: PrivateLedger;
  readonly prices = new MarketLedger();
  readonly depth = new MarketLedger();
  readonly pingTimeouts: number[] = [];
  private readonly client: TradingClient;
  private orderBook: LiveOrderBook | undefined;
  /** The last state changes (epoch ms), for `CHAOS_DEBUG`. */
  readonly trace: string[] = [];

  constructor(private readonly options: SdkChaosClientOptions) {
    this.userId = options.userId;
    this.lane = options.lane;
    this.orders = new PrivateLedger(options.userId);
    // A short backoff ceiling: the run measures recovery, not patience.
    this.client = new TradingClient({ url: options.url, token: options.token, reconnectDelayMax: 4_000 });
    this.client.on('order.new', (o) => this.orders.record(o.seq, o.orderId, o.timestamp));
    this.client.on(`price:${options.priceSymbol}`, (p) => this.prices.record(p.seq));
    this.client.on('gap', (g) => {
      if (g.room === `prices:${options.priceSymbol}`) this.prices.reported++;
    });
    this.client.on('resync', (r) => {
      if (r.symbol === options.bookSymbol) this.depth.resyncs++;
    });
    this.client.on('state', (s) => {
      if (s.reason === 'ping timeout') this.pingTimeouts.push(Date.now());
      this.trace.push(`${Date.now()} ${s.previous} → ${s.state} ${s.code ?? ''} ${s.reason}`);
      if (this.trace.length > 50) this.trace.shift();
    });
    // Failures nobody awaits (a restore that met a dead node) are retried by the SDK; nothing to do here.
    this.client.on('error', (e) => {
      this.trace.push(`${Date.now()} error ${e.code} ${e.namespace ?? ''} ${e.message}`);
      if (this.trace.length > 50) this.trace.shift();
    });
  }

  async start(): Promise<void> {
    await this.client.connectUser();
    await this.client.subscribePrices([this.options.priceSymbol]);
    this.orderBook = await this.client.subscribeOrderBook(this.options.bookSymbol);
    this.orderBook.on('update', ({ seq }) => this.depth.record(seq));
  }

  live(): boolean {
    return this.client.state === 'connected' && this.orderBook?.synced === true;
  }

  book(): BookView | null {
    const b = this.orderBook;
    if (!b) return null;
    const pairs = (side: 'bids' | 'asks') => b.levels(side).map(([price, qty]) => [price, qty] as [string, string]);
    return { synced: b.synced, seq: b.seq, checksum: b.checksum(), bids: pairs('bids'), asks: pairs('asks') };
  }

  close(): void {
    this.client.close();
  }
}
