import type { LiveOrderBook, TradingClient, TradingClientError, TradingClientEvents } from '@ws/client';
import type {
  BookLevel,
  MarginCall,
  MarketTicker,
  MarketTrade,
  OrderEvent,
  PositionEvent,
  PriceUpdate,
  WalletUpdate,
} from '@ws/protocol';
import type { StreamSource } from './stream-hub.js';

/** Trades kept per symbol (newest first); `useTrades` shows up to its `limit` of them. */
export const MAX_TRADES = 500;
/** Levels per side kept per book; `useOrderBook` shows up to its `depth` of them. */
export const MAX_BOOK_DEPTH = 100;
/** Orders and margin calls kept by the user stream (newest first). */
export const MAX_USER_ITEMS = 200;

/** A book as a component reads it: empty and `synced: false` until it holds a verified snapshot. */
export interface OrderBookView {
  synced: boolean;
  /** Seq of the last applied depth message. */
  seq: number | undefined;
  bids: readonly BookLevel[];
  asks: readonly BookLevel[];
}

/** The signed-in user's private streams, latest state first. */
export interface UserStreamState {
  /** The latest event of each order, most recently changed first. */
  orders: readonly OrderEvent[];
  /** The latest event of each position, most recently changed first. */
  positions: readonly PositionEvent[];
  /** The latest balance of each asset. */
  wallet: readonly WalletUpdate[];
  /** Margin calls, newest first. */
  marginCalls: readonly MarginCall[];
}

export type ErrorSink = (error: TradingClientError | Error) => void;

const EMPTY: readonly never[] = Object.freeze([]);
const EMPTY_BOOK: OrderBookView = Object.freeze({ synced: false, seq: undefined, bids: EMPTY, asks: EMPTY });
const EMPTY_USER: UserStreamState = Object.freeze({
  orders: EMPTY,
  positions: EMPTY,
  wallet: EMPTY,
  marginCalls: EMPTY,
});

/** A client that is closed has already released everything: its CLOSED is not an error of the app. */
function reporter(onError: ErrorSink) {
  return (error: unknown) => {
    if ((error as { code?: unknown })?.code === 'CLOSED') return;
    onError(error instanceof Error ? error : new Error(String(error)));
  };
}

export function priceSource(
  client: TradingClient,
  symbol: string,
  onError: ErrorSink,
): StreamSource<PriceUpdate | undefined> {
  return {
    initial: undefined,
    start: (update) => {
      const report = reporter(onError);
      const off = client.on(`price:${symbol}`, (p) => update(() => p));
      client.subscribePrices([symbol]).catch(report);
      return () => {
        off();
        client.unsubscribePrices([symbol]).catch(report);
      };
    },
  };
}

/** A `/market` channel of `symbol`: subscribes to it and folds each of its events into the value. */
function marketSource<E extends 'market.ticker' | 'market.trades', T>(
  client: TradingClient,
  channel: 'ticker' | 'trades',
  event: E,
  symbol: string,
  onError: ErrorSink,
  initial: T,
  fold: (previous: T, payload: TradingClientEvents[E]) => T,
): StreamSource<T> {
  return {
    initial,
    start: (update) => {
      const report = reporter(onError);
      const off = client.on(event, (payload: TradingClientEvents[E]) => {
        if (payload.symbol === symbol) update((previous) => fold(previous, payload));
      });
      client.subscribeMarket([channel], [symbol]).catch(report);
      return () => {
        off();
        client.unsubscribeMarket([channel], [symbol]).catch(report);
      };
    },
  };
}

export function tickerSource(
  client: TradingClient,
  symbol: string,
  onError: ErrorSink,
): StreamSource<MarketTicker | undefined> {
  return marketSource(
    client,
    'ticker',
    'market.ticker',
    symbol,
    onError,
    undefined as MarketTicker | undefined,
    (_, t) => t,
  );
}

export function tradesSource(
  client: TradingClient,
  symbol: string,
  onError: ErrorSink,
): StreamSource<readonly MarketTrade[]> {
  return marketSource(
    client,
    'trades',
    'market.trades',
    symbol,
    onError,
    EMPTY as readonly MarketTrade[],
    (previous, t) =>
      t.trades.length === 0 ? previous : [...[...t.trades].reverse(), ...previous].slice(0, MAX_TRADES),
  );
}

function view(book: LiveOrderBook): OrderBookView {
  return { synced: book.synced, seq: book.seq, bids: book.bids(MAX_BOOK_DEPTH), asks: book.asks(MAX_BOOK_DEPTH) };
}

export function bookSource(client: TradingClient, symbol: string, onError: ErrorSink): StreamSource<OrderBookView> {
  return {
    initial: EMPTY_BOOK,
    start: (update) => {
      const report = reporter(onError);
      let stopped = false;
      let offs: (() => void)[] = [];
      client.subscribeOrderBook(symbol).then((book) => {
        if (stopped) return;
        const refresh = () => update(() => view(book));
        offs = [book.on('update', refresh), book.on('resync', refresh)];
        refresh();
      }, report);
      return () => {
        stopped = true;
        for (const off of offs) off();
        client.unsubscribeOrderBook(symbol).catch(report);
      };
    },
  };
}

/** Replaces the item with the same `key` (or adds it) and moves it first. */
function upsert<T>(items: readonly T[], item: T, key: (value: T) => string, max = MAX_USER_ITEMS): readonly T[] {
  const k = key(item);
  return [item, ...items.filter((i) => key(i) !== k)].slice(0, max);
}

export function userSource(client: TradingClient, onError: ErrorSink): StreamSource<UserStreamState> {
  return {
    initial: EMPTY_USER,
    start: (update) => {
      const report = reporter(onError);
      const order = (o: OrderEvent) => update((s) => ({ ...s, orders: upsert(s.orders, o, (v) => v.orderId) }));
      const position = (p: PositionEvent) =>
        update((s) => ({ ...s, positions: upsert(s.positions, p, (v) => v.positionId) }));
      // Listening to a /user event connects /user (the client needs a token).
      const offs = [
        client.on('order.new', order),
        client.on('order.update', order),
        client.on('order.filled', order),
        client.on('order.cancelled', order),
        client.on('position.update', position),
        client.on('position.liquidated', position),
        client.on('wallet.update', (w) => update((s) => ({ ...s, wallet: upsert(s.wallet, w, (v) => v.asset) }))),
        client.on('margin.call', (m) =>
          update((s) => ({ ...s, marginCalls: [m, ...s.marginCalls].slice(0, MAX_USER_ITEMS) })),
        ),
      ];
      client.connectUser().catch(report);
      return () => {
        for (const off of offs) off();
      };
    },
  };
}
