import type { TSchema } from 'typebox';
import { PublishableEvents } from './catalog.js';
import {
  AdminAlert,
  AdminBroadcastRequest,
  AdminBroadcastResult,
  AdminCommandAck,
  AdminCommandRequest,
  AdminMetricsRequest,
  AdminMetricsResult,
  AdminStats,
  MetricsSnapshot,
} from './events/admin.js';
import {
  AuthRefreshRequest,
  AuthRefreshResult,
  ConnectionAuthenticated,
  ErrorEvent,
  PingRequest,
  PingResult,
  SubscriptionConfirmed,
} from './events/common.js';
import {
  MarketSnapshotRequest,
  MarketSnapshotResult,
  MarketSubscribeRequest,
  MarketSubscribeResult,
} from './events/market.js';
import { PricesSubscribeRequest, PricesSubscribeResult } from './events/prices.js';
import type { NamespaceName } from './namespaces.js';

/** One event of a namespace at runtime: its payload schema and, for requests, the schema of a successful ack. */
export interface EventSpec {
  /** Schema of the first argument. */
  payload: TSchema;
  /** Schema of `{ ok: true, ... }` in the ack; a failed ack is always `AckError`. */
  ack?: TSchema;
}

/** The runtime twin of one namespace's event maps, keyed exactly like them (pinned by a type test). */
export interface NamespaceEvents {
  clientToServer: Record<string, EventSpec>;
  serverToClient: Record<string, EventSpec>;
}

const commonClientToServer = {
  ping: { payload: PingRequest, ack: PingResult },
  'auth.refresh': { payload: AuthRefreshRequest, ack: AuthRefreshResult },
} as const satisfies Record<string, EventSpec>;

const commonServerToClient = {
  'connection.authenticated': { payload: ConnectionAuthenticated },
  'system.message': { payload: PublishableEvents['system.message'].schema },
  error: { payload: ErrorEvent },
} as const satisfies Record<string, EventSpec>;

type Publishable = typeof PublishableEvents;
const wire = <E extends keyof Publishable>(event: E): { payload: Publishable[E]['schema'] } => ({
  payload: PublishableEvents[event].schema,
});

/**
 * Every event of every namespace in both directions, with its schemas. The event maps are types only;
 * this list is what tools (the AsyncAPI generator, docs, tests) iterate over.
 */
export const NamespaceEventCatalog = {
  '/prices': {
    clientToServer: {
      ...commonClientToServer,
      subscribe: { payload: PricesSubscribeRequest, ack: PricesSubscribeResult },
      unsubscribe: { payload: PricesSubscribeRequest, ack: PricesSubscribeResult },
    },
    serverToClient: {
      ...commonServerToClient,
      'subscription.confirmed': { payload: SubscriptionConfirmed },
      'price.update': wire('price.update'),
      'price.trade': wire('price.trade'),
    },
  },
  '/market': {
    clientToServer: {
      ...commonClientToServer,
      subscribe: { payload: MarketSubscribeRequest, ack: MarketSubscribeResult },
      unsubscribe: { payload: MarketSubscribeRequest, ack: MarketSubscribeResult },
      'market.snapshot': { payload: MarketSnapshotRequest, ack: MarketSnapshotResult },
    },
    serverToClient: {
      ...commonServerToClient,
      'subscription.confirmed': { payload: SubscriptionConfirmed },
      'market.stats': wire('market.stats'),
      'market.ticker': wire('market.ticker'),
      'market.trades': wire('market.trades'),
      'market.depth': wire('market.depth'),
    },
  },
  '/user': {
    clientToServer: { ...commonClientToServer },
    serverToClient: {
      ...commonServerToClient,
      'order.new': wire('order.new'),
      'order.update': wire('order.update'),
      'order.filled': wire('order.filled'),
      'order.cancelled': wire('order.cancelled'),
      'position.update': wire('position.update'),
      'position.liquidated': wire('position.liquidated'),
      'wallet.update': wire('wallet.update'),
      'margin.call': wire('margin.call'),
    },
  },
  '/admin': {
    clientToServer: {
      ...commonClientToServer,
      'admin.metrics': { payload: AdminMetricsRequest, ack: AdminMetricsResult },
      'admin.command': { payload: AdminCommandRequest, ack: AdminCommandAck },
      'admin.broadcast': { payload: AdminBroadcastRequest, ack: AdminBroadcastResult },
    },
    serverToClient: {
      ...commonServerToClient,
      'admin.stats': { payload: AdminStats },
      'admin.alert': { payload: AdminAlert },
      'admin.metrics': { payload: MetricsSnapshot },
    },
  },
} as const satisfies Record<NamespaceName, NamespaceEvents>;
