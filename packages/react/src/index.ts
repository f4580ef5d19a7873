export {
  useConnectionState,
  useOrderBook,
  usePrice,
  useTicker,
  useTrades,
  useUserStream,
} from './hooks.js';
export { StreamHub, type StreamSource } from './stream-hub.js';
export { MAX_BOOK_DEPTH, MAX_TRADES, MAX_USER_ITEMS, type OrderBookView, type UserStreamState } from './streams.js';
export { TradingClientProvider, type TradingClientProviderProps, useTradingClient } from './trading-client-provider.js';
