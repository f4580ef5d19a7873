import type {
  AdminServerToClientEvents,
  MarketServerToClientEvents,
  PricesServerToClientEvents,
  PriceUpdate,
  UserServerToClientEvents,
} from '@ws/protocol';
import { type StreamEventOf, streamEventsOf } from '@ws/protocol/runtime';
import type { StateChange } from './connection-state.js';
import type { OrderBookResync } from './order-book.js';
import type { GapEvent } from './sequence-tracker.js';
import type { TradingClientError } from './trading-client-error.js';

type Payloads<TMap> = { [K in keyof TMap]: TMap[K] extends (payload: infer P) => void ? P : never };

/** Every server stream event, with its payload, straight from the protocol's event maps. */
export type StreamEvents = Omit<
  Payloads<PricesServerToClientEvents> &
    Payloads<MarketServerToClientEvents> &
    Payloads<UserServerToClientEvents> &
    Payloads<AdminServerToClientEvents>,
  'error' | 'subscription.confirmed' | 'admin.metrics'
>;

/** Payload of `recovery`: after a reconnect of `/user`, whether the server replayed what was missed. */
export interface RecoveryEvent {
  namespace: string;
  recovered: boolean;
}

/** Payload of the client's `resync`: one of its order books was rebuilt. */
export type ResyncEvent = OrderBookResync;

/** Events the client itself raises. */
export type LifecycleEvents = {
  /** Every connection state transition. */
  state: StateChange;
  /** Messages of a room may have been missed (seq jump, or first message after a reconnect). */
  gap: GapEvent;
  /** An order book was rebuilt from a snapshot. */
  resync: ResyncEvent;
  /** `/user` reconnected; `recovered` says whether missed events were replayed. */
  recovery: RecoveryEvent;
  /** Failures nobody awaits: refused namespaces, failed restores, server `error` events, throwing listeners. */
  error: TradingClientError;
};

/** `price:BTC/USDT` — the price updates of one symbol. */
export type SymbolPriceEvents = { [K in `price:${string}`]: PriceUpdate };

/** Everything `client.on()` accepts, each with its payload type. */
export type TradingClientEvents = StreamEvents & LifecycleEvents & SymbolPriceEvents;

/** Names of the `/user` stream events: listening to one connects `/user` when a token is set. */
export const USER_EVENTS: readonly StreamEventOf<'/user'>[] = streamEventsOf('/user');
