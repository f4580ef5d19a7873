import Type, { type Static } from 'typebox';
import { AckOkSchema } from '../errors.js';
import { Id, MarketSymbol, Role, Timestamp, UserId } from '../primitives.js';
import { SystemMessageType } from './common.js';

const closed = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });
const Rate = Type.Number({ minimum: 0 });

export const NamespaceMetrics = Type.Object({
  connections: Count,
  messagesIn: Count,
  messagesOut: Count,
  subscriptions: Count,
});
export type NamespaceMetrics = Static<typeof NamespaceMetrics>;

/** Mean and percentiles of a duration, in milliseconds, over the metrics window (all 0 while nothing was measured). */
export const LatencySummary = Type.Object({ avg: Rate, p50: Rate, p95: Rate, p99: Rate });
export type LatencySummary = Static<typeof LatencySummary>;

/**
 * The shape of `getMetrics()`: every figure measured. `latency` is propagation: from a message entering the
 * platform (the publish call or request; on other nodes its publish time) to its frame being written to each
 * recipient's socket, over messages that had recipients. `pingRtt` is the Engine.IO heartbeat round trip.
 */
export const MetricsSnapshot = Type.Object({
  connections: Type.Object({ current: Count, total: Count }),
  messages: Type.Object({ total: Count, perSecond: Rate }),
  latency: LatencySummary,
  /** Optional so a custom metrics component without heartbeat figures still fits. */
  pingRtt: Type.Optional(LatencySummary),
  namespaces: Type.Record(Type.String(), NamespaceMetrics),
  errors: Type.Object({ total: Count, rate: Rate }),
});
export type MetricsSnapshot = Static<typeof MetricsSnapshot>;

export const ConnectionInfo = Type.Object({
  socketId: Type.String(),
  namespace: Type.String(),
  userId: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Role, Type.Null()]),
  ip: Type.String(),
  userAgent: Type.String(),
  connectedAt: Timestamp,
  rooms: Type.Array(Type.String()),
  messagesIn: Count,
  messagesOut: Count,
  bytesIn: Count,
  bytesOut: Count,
  nodeId: Type.String(),
});
export type ConnectionInfo = Static<typeof ConnectionInfo>;

export const AdminMetricsRequest = Type.Object({}, closed);
export type AdminMetricsRequest = Static<typeof AdminMetricsRequest>;
export const AdminMetricsResult = AckOkSchema({ metrics: MetricsSnapshot });
export type AdminMetricsResult = { metrics: MetricsSnapshot };

/** The command envelope; the args are validated per command, and an unknown command answers NOT_FOUND. */
export const AdminCommandRequest = Type.Object(
  {
    command: Type.String({ minLength: 1, maxLength: 64 }),
    args: Type.Optional(Type.Object({}, { maxProperties: 16 })),
  },
  closed,
);
export type AdminCommandRequest = Static<typeof AdminCommandRequest>;

export const ConnectionsListArgs = Type.Object(
  {
    namespace: Type.Optional(Type.String({ maxLength: 32 })),
    userId: Type.Optional(UserId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  closed,
);
export type ConnectionsListArgs = Static<typeof ConnectionsListArgs>;
export const ConnectionsDisconnectArgs = Type.Object(
  { socketId: Type.Optional(Id), userId: Type.Optional(UserId) },
  { ...closed, minProperties: 1 },
);
export const MaintenanceEnableArgs = Type.Object({ message: Type.Optional(Type.String({ maxLength: 1000 })) }, closed);
export const EmptyArgs = Type.Object({}, closed);

export const MaintenanceState = Type.Object({ enabled: Type.Boolean(), message: Type.Optional(Type.String()) });
export type MaintenanceState = Static<typeof MaintenanceState>;

export const SubscriptionStats = Type.Object({
  rooms: Count,
  subscriptions: Count,
  byNamespace: Type.Record(Type.String(), Count),
  topRooms: Type.Array(Type.Object({ room: Type.String(), subscribers: Count })),
  topSymbols: Type.Array(Type.Object({ symbol: MarketSymbol, subscribers: Count })),
});
export type SubscriptionStats = Static<typeof SubscriptionStats>;

export const AlertLevel = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);
/** S→C `admin.alert` when a configured threshold is crossed. */
export const AdminAlert = Type.Object({
  level: AlertLevel,
  message: Type.String(),
  metric: Type.Optional(Type.String()),
  value: Type.Optional(Type.Number()),
  threshold: Type.Optional(Type.Number()),
  /** When the alert fired (for an active alert: when its metric crossed the threshold). */
  timestamp: Timestamp,
  /** The node whose figure crossed the threshold. */
  nodeId: Type.Optional(Type.String()),
});
export type AdminAlert = Static<typeof AdminAlert>;

/** `node.status`: the operating state of the node that answers (maintenance is cluster-wide, the counts are this node's). */
export const NodeStatus = Type.Object({
  nodeId: Type.String(),
  maintenance: MaintenanceState,
  /** Requests and handshakes refused by the rate limits since start. */
  rateLimitRejections: Count,
  eventLoopLagMs: Rate,
  /** Connections the slow-consumer guard currently holds at their latest state. */
  slowConsumers: Count,
  uptimeSec: Rate,
  /** This node's open connections (absent from nodes of older versions). */
  connections: Type.Optional(Count),
  /** This node's alerts still firing (absent from older nodes; each metric above its threshold), as their `admin.alert` said when they fired. */
  alerts: Type.Optional(Type.Array(AdminAlert)),
});
export type NodeStatus = Static<typeof NodeStatus>;

/** `alerts.list`: the alerts firing now and the latest ones raised (newest last), of every node. */
export const AlertsList = Type.Object({
  active: Type.Array(AdminAlert),
  history: Type.Array(AdminAlert),
});
export type AlertsList = Static<typeof AlertsList>;

/** Each admin command: its args schema and its result. */
export const AdminCommands = {
  'connections.list': {
    args: ConnectionsListArgs,
    result: Type.Object({ connections: Type.Array(ConnectionInfo), total: Count }),
  },
  'connections.disconnect': { args: ConnectionsDisconnectArgs, result: Type.Object({ disconnected: Count }) },
  'maintenance.enable': { args: MaintenanceEnableArgs, result: Type.Object({ maintenance: MaintenanceState }) },
  'maintenance.disable': { args: EmptyArgs, result: Type.Object({ maintenance: MaintenanceState }) },
  'subscriptions.stats': { args: EmptyArgs, result: Type.Object({ stats: SubscriptionStats }) },
  'node.status': { args: EmptyArgs, result: Type.Object({ status: NodeStatus }) },
  /** `node.status` of every node of the cluster that answers in time (this node's alone without Redis). */
  'nodes.list': { args: EmptyArgs, result: Type.Object({ nodes: Type.Array(NodeStatus) }) },
  'alerts.list': { args: EmptyArgs, result: AlertsList },
} as const;
export type AdminCommandName = keyof typeof AdminCommands;
export const ADMIN_COMMAND_NAMES = Object.keys(AdminCommands) as AdminCommandName[];
export type AdminCommandArgs<C extends AdminCommandName> = Static<(typeof AdminCommands)[C]['args']>;
export type AdminCommandResult<C extends AdminCommandName> = Static<(typeof AdminCommands)[C]['result']>;
/** The union of every command's result, as the ack of `admin.command` carries it under `result`. */
export type AnyAdminCommandResult = { [C in AdminCommandName]: AdminCommandResult<C> }[AdminCommandName];
export const AdminCommandAck = AckOkSchema({
  command: Type.String(),
  // Spelled out (not `.map`) so the static type is the result union rather than `never`.
  result: Type.Union([
    AdminCommands['connections.list'].result,
    AdminCommands['connections.disconnect'].result,
    AdminCommands['maintenance.enable'].result,
    AdminCommands['maintenance.disable'].result,
    AdminCommands['subscriptions.stats'].result,
    AdminCommands['node.status'].result,
    AdminCommands['nodes.list'].result,
    AdminCommands['alerts.list'].result,
  ]),
});

export const AdminBroadcastRequest = Type.Object(
  { type: SystemMessageType, message: Type.String({ minLength: 1, maxLength: 1000 }) },
  closed,
);
export type AdminBroadcastRequest = Static<typeof AdminBroadcastRequest>;
export const AdminBroadcastResult = AckOkSchema({ delivered: Type.Boolean() });
export type AdminBroadcastResult = { delivered: boolean };

/** S→C `admin.stats`, every few seconds. */
export const AdminStats = Type.Object({
  timestamp: Timestamp,
  nodeId: Type.String(),
  metrics: MetricsSnapshot,
  topSymbols: Type.Array(Type.Object({ symbol: MarketSymbol, subscribers: Count })),
  rateLimitRejections: Count,
  maintenance: MaintenanceState,
  eventLoopLagMs: Rate,
  /** Errors since start by code (`ws_errors_total`); the optional figures are absent from older nodes. */
  errorsByCode: Type.Optional(Type.Record(Type.String(), Count)),
  /** Refused handshakes since start by code (`ws_connection_refusals_total`). */
  refusalsByCode: Type.Optional(Type.Record(Type.String(), Count)),
  /** Broadcasts conflated under overload since start (`ws_messages_conflated_total`). */
  conflated: Type.Optional(Count),
  /** Connections the slow-consumer guard holds at their latest state now. */
  slowConsumers: Type.Optional(Count),
  /** This node's alerts still firing (absent from older nodes), so an admin who connects after an `admin.alert` still learns of it. */
  alerts: Type.Optional(Type.Array(AdminAlert)),
});
export type AdminStats = Static<typeof AdminStats>;
