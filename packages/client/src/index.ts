export { backoffDelay } from './backoff.js';
export { type ConnectionState, ConnectionStateMachine, type StateChange } from './connection-state.js';
export { jwtExpiresAt } from './jwt-expiry.js';
export type { HandshakeAuth, NamespaceSocket, NamespaceState } from './namespace-connection.js';
// Types only: the class is loaded by `subscribeOrderBook` on first use (and is `@ws/client/order-book`).
export type {
  LiveOrderBook,
  OrderBookEvents,
  OrderBookResync,
  OrderBookSource,
  OrderBookUpdate,
  ResyncReason,
} from './order-book.js';
export { type GapEvent, SequenceTracker } from './sequence-tracker.js';
export type { ClientSocket, ManagerFactory, SocketManager, SocketOptions } from './socket-manager.js';
export {
  type AdminApi,
  type Latency,
  type PingSample,
  type SubscriptionSet,
  TradingClient,
} from './trading-client.js';
export {
  type ClientErrorCode,
  ClientErrorCodes,
  isTradingClientError,
  TradingClientError,
  type TradingClientErrorCode,
  type TradingClientErrorOptions,
} from './trading-client-error.js';
export {
  type LifecycleEvents,
  type RecoveryEvent,
  type ResyncEvent,
  type StreamEvents,
  type SymbolPriceEvents,
  type TradingClientEvents,
  USER_EVENTS,
} from './trading-client-events.js';
export type { TradingClientOptions } from './trading-client-options.js';
export { type Listener, TypedEmitter } from './typed-emitter.js';
