import type { MarketChannel } from '@ws/protocol';
import type { LiveOrderBook } from './order-book.js';

/** What the client restores after every reconnect. */
export interface SubscriptionSet {
  prices: string[];
  market: { channel: MarketChannel; symbol: string }[];
  orderBooks: string[];
}

/**
 * What the app is subscribed to: price symbols, market `channel × symbol` pairs and live order books.
 * The source of every restore after a reconnect; an order book holds its own depth subscription.
 */
export class SubscriptionRegistry {
  readonly prices_ = new Set<string>();
  /** `channel|symbol` of subscribeMarket subscriptions. */
  readonly #market = new Set<string>();
  readonly books_ = new Map<string, LiveOrderBook>();

  addMarket_(channels: readonly MarketChannel[], symbols: readonly string[]): void {
    for (const c of channels) for (const s of symbols) this.#market.add(`${c}|${s}`);
  }

  deleteMarket_(channel: MarketChannel, symbol: string): void {
    this.#market.delete(`${channel}|${symbol}`);
  }

  hasMarket_(channel: MarketChannel, symbol: string): boolean {
    return this.#market.has(`${channel}|${symbol}`);
  }

  /** The `/market` subscribe requests that restore everything, one per channel (books' depth included). */
  marketRestore_(): Map<MarketChannel, Set<string>> {
    const byChannel = new Map<MarketChannel, Set<string>>();
    const add = (channel: MarketChannel, symbol: string) => {
      const set = byChannel.get(channel) ?? new Set<string>();
      byChannel.set(channel, set.add(symbol));
    };
    for (const { channel, symbol } of this.#pairs()) add(channel, symbol);
    for (const symbol of this.books_.keys()) add('depth', symbol);
    return byChannel;
  }

  snapshot(): SubscriptionSet {
    return { prices: [...this.prices_], market: this.#pairs(), orderBooks: [...this.books_.keys()] };
  }

  #pairs(): { channel: MarketChannel; symbol: string }[] {
    return [...this.#market].map((key) => {
      const [channel, symbol] = key.split('|') as [MarketChannel, string];
      return { channel, symbol };
    });
  }
}
