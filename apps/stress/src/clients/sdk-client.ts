import { isTradingClientError, TradingClient, USER_EVENTS } from '@ws/client';
import type { MarketChannel } from '@ws/protocol';
import type { ManagerOptions } from 'socket.io-client';
import { hiResNow, latencyMicros } from '../measure/clock.js';
import type { ClientStats } from './client-stats.js';
import type { StreamNamespace } from './lean-client.js';
import { namespaceOfEvent, STAMP_FIELDS } from './stream-room.js';

export interface SdkClientOptions {
  url: string;
  token?: string | undefined;
  namespaces: readonly StreamNamespace[];
  symbols: readonly string[];
  channels: readonly MarketChannel[];
  localAddress?: string | undefined;
  timeoutMs: number;
  stats: ClientStats;
}

const PUBLIC_EVENTS = [
  'price.update',
  'price.trade',
  'market.stats',
  'market.ticker',
  'market.trades',
  'market.depth',
] as const;

/** One simulated trader on the real SDK (`TradingClient`): what users' apps actually run. */
export class SdkClient {
  private client: TradingClient | null = null;
  private everConnected = false;
  private seen = new Set<string>();

  constructor(private readonly options: SdkClientOptions) {}

  /** Connects and subscribes every configured namespace; rejects with the failure's code. */
  async connect(): Promise<void> {
    const { options } = this;
    const { stats } = options;
    const started = performance.now();
    stats.connectAttempt();
    const client = new TradingClient({
      url: options.url,
      token: options.token,
      timeout: options.timeoutMs,
      pingInterval: 0,
      reconnectDelayMin: 500,
      reconnectDelayMax: 5_000,
      // engine.io-client passes `localAddress` to `ws` in Node, though its types omit it.
      socketOptions: (options.localAddress ? { localAddress: options.localAddress } : {}) as Partial<ManagerOptions>,
    });
    this.client = client;
    client.on('state', (change) => {
      if (change.state === 'connected') {
        if (this.everConnected) {
          stats.connected++;
          stats.reconnect();
        } else {
          this.everConnected = true;
          stats.connectSucceeded((performance.now() - started) * 1000);
        }
      } else if (change.previous === 'connected' && change.state !== 'closed') {
        stats.drop();
      }
    });
    client.on('gap', (gap) => {
      if (gap.cause === 'live') stats.gap(Math.max(0, gap.received - gap.expected));
      else if (gap.received > gap.expected) stats.gap(gap.received - gap.expected);
    });
    // Before the first connection, a refusal is also the rejection of the awaited subscribe below, which
    // counts it (as a connect failure): counting the `error` event too would report each refusal twice.
    client.on('error', (err) => {
      if (this.everConnected) stats.error(err.code);
    });
    const listen = (event: string) => {
      const ns = namespaceOfEvent(event);
      client.on(event as 'price.update', (payload) =>
        this.onMessage(ns, event, payload as unknown as Record<string, unknown>),
      );
    };
    for (const event of PUBLIC_EVENTS) listen(event);
    try {
      const work: Promise<unknown>[] = [];
      if (options.namespaces.includes('/prices')) {
        stats.request();
        work.push(client.subscribePrices(options.symbols));
      }
      if (options.namespaces.includes('/market')) {
        stats.request();
        work.push(client.subscribeMarket(options.channels, options.symbols));
      }
      if (options.namespaces.includes('/user')) {
        for (const event of USER_EVENTS) listen(event);
        stats.request();
        work.push(client.connectUser());
      }
      await Promise.all(work);
    } catch (err) {
      const code = isTradingClientError(err) ? err.code : 'CONNECT_ERROR';
      if (!this.everConnected) stats.connectFailed(code);
      else stats.error(code);
      throw err;
    }
  }

  private onMessage(namespace: string, event: string, payload: Record<string, unknown>): void {
    const symbol = typeof payload['symbol'] === 'string' ? payload['symbol'] : '';
    const room = `${event}|${symbol}`;
    let latencyUs: number | null = null;
    // The first message per room may be the snapshot sent on subscribe: old by design, so not timed.
    if (this.seen.has(room) || typeof payload['seq'] !== 'number') {
      const field = STAMP_FIELDS[event];
      const raw = field === undefined ? undefined : payload[field];
      const stamp = typeof raw === 'string' ? Number(raw) : null;
      const ts = typeof payload['timestamp'] === 'number' ? payload['timestamp'] : null;
      latencyUs = latencyMicros(hiResNow(), stamp !== null && Number.isFinite(stamp) ? stamp : null, ts);
    } else {
      this.seen.add(room);
    }
    this.options.stats.message(namespace, event, latencyUs);
  }

  close(): void {
    this.client?.close();
  }
}
