import type { ConnectionState } from '@ws/client';
import type { MarketTicker, MarketTrade, PriceUpdate } from '@ws/protocol';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import type { StreamSource } from './stream-hub.js';
import {
  bookSource,
  type ErrorSink,
  type OrderBookView,
  priceSource,
  tickerSource,
  tradesSource,
  type UserStreamState,
  userSource,
} from './streams.js';
import { useTradingContext } from './trading-client-provider.js';

type Factory<T> = (client: ReturnType<typeof useTradingContext>['client'], onError: ErrorSink) => StreamSource<T>;

/** Reads the shared stream `key` through `useSyncExternalStore`, starting it with its first reader. */
function useStream<T>(key: string, factory: Factory<T>): T {
  const { client, hub, onError } = useTradingContext();
  // The source is built once per key and client: a new one per render would not change the shared stream anyway.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `factory` is derived from `key`.
  const source = useMemo(() => factory(client, onError), [client, key, onError]);
  const subscribe = useCallback((listener: () => void) => hub.subscribe(key, source, listener), [hub, key, source]);
  const snapshot = useCallback(() => hub.snapshot(key, source), [hub, key, source]);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

/** The client's connection state (`connecting`, `connected`, `reconnecting`…). */
export function useConnectionState(): ConnectionState {
  const { client } = useTradingContext();
  const subscribe = useCallback((listener: () => void) => client.on('state', listener), [client]);
  const snapshot = useCallback(() => client.state, [client]);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

/** The latest `price.update` of `symbol`, or undefined until the first one. */
export function usePrice(symbol: string): PriceUpdate | undefined {
  return useStream(`price:${symbol}`, (client, onError) => priceSource(client, symbol, onError));
}

/** The latest `market.ticker` of `symbol`, or undefined until the first one. */
export function useTicker(symbol: string): MarketTicker | undefined {
  return useStream(`ticker:${symbol}`, (client, onError) => tickerSource(client, symbol, onError));
}

/** The latest trades of `symbol`, newest first, at most `limit` (default 20, up to 500). */
export function useTrades(symbol: string, { limit = 20 }: { limit?: number } = {}): readonly MarketTrade[] {
  const trades = useStream(`trades:${symbol}`, (client, onError) => tradesSource(client, symbol, onError));
  return useMemo(() => (trades.length <= limit ? trades : trades.slice(0, limit)), [trades, limit]);
}

/**
 * A live, verified order book of `symbol` (`LiveOrderBook`: seq and checksum checked), `depth` levels per
 * side (default 10, up to 100). Empty with `synced: false` while it is not verified.
 */
export function useOrderBook(symbol: string, { depth = 10 }: { depth?: number } = {}): OrderBookView {
  const book = useStream(`book:${symbol}`, (client, onError) => bookSource(client, symbol, onError));
  return useMemo(
    () =>
      book.bids.length <= depth && book.asks.length <= depth
        ? book
        : { ...book, bids: book.bids.slice(0, depth), asks: book.asks.slice(0, depth) },
    [book, depth],
  );
}

/** The signed-in user's orders, positions, wallet and margin calls (connects `/user`; needs a token). */
export function useUserStream(): UserStreamState {
  return useStream('user', (client, onError) => userSource(client, onError));
}
