import type { MarketDepth, OrderEvent, PriceUpdate } from '@ws/protocol';
import { Manager, type Socket } from 'socket.io-client';
import type { ChaosClient } from './chaos-client.js';
import { MarketLedger } from './market-ledger.js';
import { PrivateLedger } from './private-ledger.js';

export interface PlainChaosClientOptions {
  userId: string;
  lane: number;
  url: string;
  token: string;
  priceSymbol: string;
  bookSymbol: string;
}

/**
 * The baseline: a trader on plain socket.io-client as an app would write it without the SDK — the
 * Manager's own reconnection, the token in `auth`, prices resubscribed on every connect, its own seq check
 * on prices — and no `auth.since`, so nothing missed while away is replayed. It takes the same depth
 * stream as the SDK clients (so the same bytes cross its network) but keeps no book.
 */
export class PlainChaosClient implements ChaosClient {
  readonly userId: string;
  readonly lane: number;
  readonly orders: PrivateLedger;
  readonly prices = new MarketLedger();
  readonly depth = new MarketLedger();
  readonly pingTimeouts: number[] = [];
  private readonly manager: Manager;
  private readonly user: Socket;
  private readonly priceSocket: Socket;
  private readonly market: Socket;
  private subscribed = false;
  private depthSubscribed = false;

  constructor(options: PlainChaosClientOptions) {
    this.userId = options.userId;
    this.lane = options.lane;
    this.orders = new PrivateLedger(options.userId);
    this.manager = new Manager(options.url, {
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 4_000,
      autoConnect: false,
    });
    this.user = this.manager.socket('/user', { auth: { token: options.token } });
    this.priceSocket = this.manager.socket('/prices');
    this.user.on('order.new', (o: OrderEvent) => this.orders.record(o.seq, o.orderId, o.timestamp));
    this.priceSocket.on('price.update', (p: PriceUpdate) => {
      const before = this.prices.jumps;
      this.prices.record(p.seq);
      // The app's own check is the same seq comparison: every jump it sees, it reports.
      if (this.prices.jumps > before) this.prices.reported++;
    });
    this.priceSocket.on('connect', () => {
      this.subscribed = false;
      this.priceSocket.emit('subscribe', { symbols: [options.priceSymbol] }, () => {
        this.subscribed = true;
      });
    });
    this.priceSocket.on('disconnect', () => {
      this.subscribed = false;
    });
    this.market = this.manager.socket('/market');
    this.market.on('market.depth', (d: MarketDepth) => this.depth.record(d.seq));
    this.market.on('connect', () => {
      this.depthSubscribed = false;
      this.market.emit('subscribe', { channels: ['depth'], symbols: [options.bookSymbol] }, () => {
        this.depthSubscribed = true;
      });
    });
    this.market.on('disconnect', () => {
      this.depthSubscribed = false;
    });
    this.user.on('disconnect', (reason: string) => {
      if (reason === 'ping timeout') this.pingTimeouts.push(Date.now());
    });
  }

  async start(): Promise<void> {
    const connected = (s: Socket) => new Promise<void>((resolve) => s.once('connect', () => resolve()));
    const all = Promise.all([connected(this.user), connected(this.priceSocket), connected(this.market)]);
    this.user.connect();
    this.priceSocket.connect();
    this.market.connect();
    await all;
    const deadline = performance.now() + 30_000;
    while (!this.live() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  live(): boolean {
    return (
      this.user.connected &&
      this.priceSocket.connected &&
      this.market.connected &&
      this.subscribed &&
      this.depthSubscribed
    );
  }

  book(): null {
    return null;
  }

  /** Disconnects the three sockets; the Manager closes its engine, and stops reconnecting, with the last one (its public contract). */
  close(): void {
    this.user.disconnect();
    this.priceSocket.disconnect();
    this.market.disconnect();
  }
}
