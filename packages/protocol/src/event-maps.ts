import type { AckCallback } from './errors.js';
import type {
  AdminAlert,
  AdminBroadcastRequest,
  AdminBroadcastResult,
  AdminCommandRequest,
  AdminMetricsRequest,
  AdminMetricsResult,
  AdminStats,
  AlertsList,
  AnyAdminCommandResult,
  ConnectionInfo,
  ConnectionsListArgs,
  MaintenanceState,
  NodeStatus,
} from './events/admin.js';
import type {
  AuthRefreshRequest,
  AuthRefreshResult,
  ConnectionAuthenticated,
  ErrorEvent,
  PingRequest,
  PingResult,
  SubscriptionConfirmed,
  SystemMessage,
} from './events/common.js';
import type {
  MarketDepth,
  MarketSnapshotRequest,
  MarketSnapshotResult,
  MarketStats,
  MarketSubscribeRequest,
  MarketSubscribeResult,
  MarketTicker,
  MarketTrades,
} from './events/market.js';
import type { PricesSubscribeRequest, PricesSubscribeResult, PriceTrade, PriceUpdate } from './events/prices.js';
import type { MarginCall, OrderEvent, PositionEvent, WalletUpdate } from './events/user.js';
import type { NamespaceName } from './namespaces.js';
import type { Role } from './primitives.js';

// Event maps are type aliases (not interfaces) so they satisfy Socket.IO's `EventsMap` index signature.

/** Requests every namespace accepts. */
export type CommonClientToServerEvents = {
  ping: (payload: PingRequest, ack: AckCallback<PingResult>) => void;
  'auth.refresh': (payload: AuthRefreshRequest, ack: AckCallback<AuthRefreshResult>) => void;
};

/** Events every namespace may send. */
export type CommonServerToClientEvents = {
  'connection.authenticated': (payload: ConnectionAuthenticated) => void;
  'system.message': (payload: SystemMessage) => void;
  error: (payload: ErrorEvent) => void;
};

export type PricesClientToServerEvents = CommonClientToServerEvents & {
  subscribe: (payload: PricesSubscribeRequest, ack: AckCallback<PricesSubscribeResult>) => void;
  unsubscribe: (payload: PricesSubscribeRequest, ack: AckCallback<PricesSubscribeResult>) => void;
};
export type PricesServerToClientEvents = CommonServerToClientEvents & {
  'subscription.confirmed': (payload: SubscriptionConfirmed) => void;
  'price.update': (payload: PriceUpdate) => void;
  'price.trade': (payload: PriceTrade) => void;
};

export type MarketClientToServerEvents = CommonClientToServerEvents & {
  subscribe: (payload: MarketSubscribeRequest, ack: AckCallback<MarketSubscribeResult>) => void;
  unsubscribe: (payload: MarketSubscribeRequest, ack: AckCallback<MarketSubscribeResult>) => void;
  'market.snapshot': (payload: MarketSnapshotRequest, ack: AckCallback<MarketSnapshotResult>) => void;
};
export type MarketServerToClientEvents = CommonServerToClientEvents & {
  'subscription.confirmed': (payload: SubscriptionConfirmed) => void;
  'market.stats': (payload: MarketStats) => void;
  'market.ticker': (payload: MarketTicker) => void;
  'market.trades': (payload: MarketTrades) => void;
  'market.depth': (payload: MarketDepth) => void;
};

/** `/user` takes no subscription requests: the server joins the user's private rooms itself. */
export type UserClientToServerEvents = CommonClientToServerEvents;
export type UserServerToClientEvents = CommonServerToClientEvents & {
  'order.new': (payload: OrderEvent) => void;
  'order.update': (payload: OrderEvent) => void;
  'order.filled': (payload: OrderEvent) => void;
  'order.cancelled': (payload: OrderEvent) => void;
  'position.update': (payload: PositionEvent) => void;
  'position.liquidated': (payload: PositionEvent) => void;
  'wallet.update': (payload: WalletUpdate) => void;
  'margin.call': (payload: MarginCall) => void;
};

export type AdminClientToServerEvents = CommonClientToServerEvents & {
  'admin.metrics': (payload: AdminMetricsRequest, ack: AckCallback<AdminMetricsResult>) => void;
  'admin.command': (
    payload: AdminCommandRequest,
    ack: AckCallback<{ command: string; result: AnyAdminCommandResult }>,
  ) => void;
  'admin.broadcast': (payload: AdminBroadcastRequest, ack: AckCallback<AdminBroadcastResult>) => void;
};
export type AdminServerToClientEvents = CommonServerToClientEvents & {
  'admin.stats': (payload: AdminStats) => void;
  'admin.alert': (payload: AdminAlert) => void;
  'admin.metrics': (payload: AdminStats['metrics']) => void;
};

/** Per namespace: the two directions of its event map. */
export type NamespaceEventMaps = {
  '/prices': { clientToServer: PricesClientToServerEvents; serverToClient: PricesServerToClientEvents };
  '/market': { clientToServer: MarketClientToServerEvents; serverToClient: MarketServerToClientEvents };
  '/user': { clientToServer: UserClientToServerEvents; serverToClient: UserServerToClientEvents };
  '/admin': { clientToServer: AdminClientToServerEvents; serverToClient: AdminServerToClientEvents };
};

/** `Server<ClientToServerEvents<'/prices'>, ServerToClientEvents<'/prices'>, InterServerEvents, SocketData>`. */
export type ClientToServerEvents<N extends NamespaceName = NamespaceName> = NamespaceEventMaps[N]['clientToServer'];
export type ServerToClientEvents<N extends NamespaceName = NamespaceName> = NamespaceEventMaps[N]['serverToClient'];

/** Node-to-node messages over the adapter (`serverSideEmit`). */
export type InterServerEvents = {
  'maintenance.set': (state: MaintenanceState) => void;
  /** Asks every other node for its connections (admin `connections.list` across the cluster). */
  'connections.list': (
    filter: ConnectionsListArgs,
    ack: (result: { connections: ConnectionInfo[]; total: number }) => void,
  ) => void;
  /** Asks every other node for its `node.status` (admin `nodes.list`). */
  'node.status': (ack: (status: NodeStatus) => void) => void;
  /** Asks every other node for its active and recent alerts (admin `alerts.list`). */
  'alerts.list': (ack: (alerts: AlertsList) => void) => void;
};

/** What the server keeps on `socket.data`. */
export type SocketData = {
  sessionId: string;
  userId: string | null;
  role: Role | null;
  /** Expiry of the current token (epoch ms), or null for anonymous public connections. */
  tokenExpiresAt: number | null;
  connectedAt: number;
  ip: string;
  userAgent: string;
};
