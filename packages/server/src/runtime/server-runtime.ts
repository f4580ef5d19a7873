import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { WebSocketMetrics } from '@ws/metrics';
import {
  type ClientToServerEvents,
  type InterServerEvents,
  NAMESPACE_NAMES,
  type ServerToClientEvents,
  type SocketData,
} from '@ws/protocol';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { AdminAlerts } from '../admin/admin-alerts.js';
import { AuthMiddleware } from '../admission/auth-middleware.js';
import {
  type ConnectionCounter,
  MemoryConnectionCounter,
  RedisConnectionCounter,
} from '../admission/connection-counter.js';
import { EngineAdmission } from '../admission/engine-admission.js';
import { RateLimitMiddleware } from '../admission/rate-limit-middleware.js';
import { RefusalLog } from '../admission/refusal-log.js';
import { ClusterFanout } from '../cluster/cluster-fanout.js';
import { attachRedisAdapter } from '../cluster/redis-adapter.js';
import type { AuthComponent, MetricsComponent, RateLimitComponent } from '../component-contracts.js';
import { ConnectionManager } from '../connection-manager.js';
import { corkHandshakes, type HandshakeEvents } from '../delivery/handshake-cork.js';
import { RoomDelivery } from '../delivery/room-delivery.js';
import { preEncodingParser } from '../encoding/pre-encoded-json.js';
import { InboundHandler } from '../inbound/inbound-handler.js';
import { WebSocketBroadcast } from '../publish/websocket-broadcast.js';
import { DEFAULT_REDIS_PREFIX, redisKey } from '../redis-keys.js';
import { OrderBooks } from '../state/order-books.js';
import { RedisSequenceStore } from '../state/redis-sequence-store.js';
import { RedisSnapshotStore } from '../state/redis-snapshot-store.js';
import { MemorySequenceStore } from '../state/sequence-store.js';
import { MemorySnapshotStore, type SnapshotStore } from '../state/snapshot-store.js';
import {
  MemoryUserStreamHistory,
  RedisUserStreamHistory,
  type UserStreamHistory,
} from '../state/user-stream-history.js';
import { SubscriptionManager } from '../subscriptions/subscription-manager.js';
import { RedisUserChannelCounter } from '../subscriptions/user-channel-counter.js';
import { UserChannelGuard } from '../subscriptions/user-channel-guard.js';
import type { WebSocketServerOptions } from '../websocket-server-options.js';

export type TypedServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Every component of an initialized server, built once by `buildRuntime`. */
export interface ServerRuntime {
  readonly io: TypedServer;
  readonly options: WebSocketServerOptions;
  readonly auth: AuthComponent | undefined;
  readonly rateLimit: RateLimitComponent | undefined;
  readonly metrics: MetricsComponent;
  /** Whether the server made `metrics` (and closes it). */
  readonly ownsMetrics: boolean;
  readonly refusals: RefusalLog;
  readonly counter: ConnectionCounter;
  readonly admission: EngineAdmission;
  readonly connections: ConnectionManager;
  readonly subscriptions: SubscriptionManager;
  readonly books: OrderBooks;
  readonly snapshots: SnapshotStore;
  readonly delivery: RoomDelivery;
  readonly broadcast: WebSocketBroadcast;
  readonly inbound: InboundHandler;
  readonly alerts: AdminAlerts;
  /** Cluster mode: the bus between the nodes. */
  readonly fanout: ClusterFanout | undefined;
  /** Cluster mode: the per-user channel limit across nodes. */
  readonly guard: UserChannelGuard | undefined;
  readonly history: UserStreamHistory;
  /** Memory mode: the history the server sweeps. */
  readonly memoryHistory: MemoryUserStreamHistory | undefined;
  /** Removes the listeners on objects the server does not own (the Redis clients). */
  readonly detach: () => void;
}

/** What the runtime calls back into the server for. */
export interface RuntimeHooks {
  /** Whether the server is shutting down (new Engine.IO connections are refused). */
  closing(): boolean;
  /** A request was refused by the per-connection rate limit (after it was logged). */
  onRateLimited(): void;
  /** Cluster mode: the bus is back after an outage; `lastSeen` is the last seq this node delivered per room. */
  onBusResumed(lastSeen: (room: string) => number | undefined): void;
}

type Admission = Pick<
  ServerRuntime,
  'auth' | 'rateLimit' | 'metrics' | 'ownsMetrics' | 'refusals' | 'counter' | 'admission'
>;
type State = Pick<
  ServerRuntime,
  'connections' | 'subscriptions' | 'books' | 'snapshots' | 'delivery' | 'fanout' | 'history' | 'memoryHistory'
>;

/**
 * Builds the server's components for memory mode (one node) or cluster mode (`options.redis`: sequences,
 * snapshots, books and `/user` history in Redis, delivery off the bus) and attaches Socket.IO to the HTTP
 * server. Components that validate their options are built first, so a bad option attaches nothing.
 */
export function buildRuntime(
  httpServer: HttpServer | HttpsServer,
  options: WebSocketServerOptions,
  hooks: RuntimeHooks,
): ServerRuntime {
  const admission = buildAdmission(options, hooks);
  const io = attachSocketIo(httpServer, options, admission.admission);
  const detach = options.redis ? attachRedisAdapter(io, options.redis, { ...admission, logger: options.logger }) : noop;
  const state = buildState(io, options, admission.metrics, hooks);
  const broadcast = new WebSocketBroadcast({
    delivery: state.delivery,
    sequences: options.sequenceStore ?? new MemorySequenceStore(),
    snapshots: state.snapshots,
    books: state.books,
    isKnownSymbol: (symbol) => state.subscriptions.isKnownSymbol(symbol),
    allowUnknownSymbols: options.allowUnknownSymbols,
    namespaces: NAMESPACE_NAMES,
    ...(state.fanout ? { cluster: state.fanout } : {}),
    ...(state.memoryHistory ? { history: state.memoryHistory } : {}),
  });
  return {
    io,
    options,
    ...admission,
    ...state,
    broadcast,
    inbound: buildInbound(options, { ...admission, connections: state.connections, delivery: state.delivery }, hooks),
    alerts: new AdminAlerts(options.admin.alerts, options.nodeId),
    guard: options.redis
      ? new UserChannelGuard(
          new RedisUserChannelCounter(options.redis.pub as Redis, options.nodeId, {
            prefix: options.redis.prefix ?? DEFAULT_REDIS_PREFIX,
          }),
          options.limits.maxChannelsPerUser,
          options.logger,
        )
      : undefined,
    detach,
  };
}

function noop(): void {}

/** Auth, rate limit, metrics, the refusal log, the connection caps and the Engine.IO request check. */
function buildAdmission(options: WebSocketServerOptions, hooks: RuntimeHooks): Admission {
  const auth =
    options.authMiddleware ??
    (options.auth ? new AuthMiddleware({ clock: options.clock, ...options.auth }) : undefined);
  const rateLimit =
    options.rateLimiter ??
    (options.rateLimit === false
      ? undefined
      : new RateLimitMiddleware({
          clock: options.clock,
          ...(options.redis
            ? {
                redis: options.redis.pub as Redis,
                keyPrefix: redisKey(options.redis.prefix ?? DEFAULT_REDIS_PREFIX, 'rl'),
              }
            : {}),
          ...options.rateLimit,
        }));
  const ownsMetrics = options.metrics === undefined;
  const metrics: MetricsComponent = options.metrics ?? new WebSocketMetrics({ nodeId: options.nodeId });
  const refusals = new RefusalLog(options.logger, options.refusalLog);
  const counter =
    options.connectionCounter ??
    (options.redis
      ? new RedisConnectionCounter(options.redis.pub, options.nodeId, {
          prefix: options.redis.prefix ?? DEFAULT_REDIS_PREFIX,
          ttlMs: options.connectionCaps.ttlMs,
          logger: options.logger,
        })
      : new MemoryConnectionCounter());
  const admission = new EngineAdmission({
    corsOrigins: options.corsOrigins,
    trustProxy: options.trustProxy,
    caps: options.connectionCaps,
    counter,
    rateLimit,
    refusals,
    metrics,
    closing: hooks.closing,
  });
  return { auth, rateLimit, metrics, ownsMetrics, refusals, counter, admission };
}

function attachSocketIo(
  httpServer: HttpServer | HttpsServer,
  options: WebSocketServerOptions,
  admission: EngineAdmission,
): TypedServer {
  const io: TypedServer = new Server(httpServer, {
    serveClient: false,
    // The default parser, plus payloads encoded once (order-book snapshots) spliced in as they are.
    parser: preEncodingParser,
    maxHttpBufferSize: options.maxHttpBufferSize,
    pingInterval: options.pingIntervalMs,
    pingTimeout: options.pingTimeoutMs,
    cors:
      options.corsOrigins === '*'
        ? { origin: '*' }
        : { origin: options.corsOrigins, credentials: true, methods: ['GET', 'POST'] },
    // Origin, shutdown, handshake rate limit and the per-IP cap, before the client names any namespace.
    allowRequest: admission.allowRequest,
  });
  admission.attach(io.engine as unknown as Parameters<EngineAdmission['attach']>[0]);
  corkHandshakes(io.engine as unknown as HandshakeEvents);
  return io;
}

/** Connections, subscriptions, books, the stores and delivery; in cluster mode the bus and Redis-backed state. */
function buildState(
  io: TypedServer,
  options: WebSocketServerOptions,
  metrics: MetricsComponent,
  hooks: RuntimeHooks,
): State {
  const connections = new ConnectionManager(options.nodeId);
  const subscriptions = new SubscriptionManager(options.limits, options.symbols);
  const books = new OrderBooks();
  const limits = options.recovery;
  const store = options.redis
    ? new RedisSequenceStore(options.redis.pub, {
        prefix: options.redis.prefix ?? DEFAULT_REDIS_PREFIX,
        historyMaxLen: limits.maxEvents,
        historyWindowMs: limits.windowMs,
        clock: options.clock,
      })
    : undefined;
  const shared = store ? new RedisSnapshotStore(store) : undefined;
  const snapshots: SnapshotStore = shared ?? options.snapshotStore ?? new MemorySnapshotStore();
  const delivery = new RoomDelivery(
    {
      conflation: {
        turnBudgetMs: options.overloadTurnBudgetMs,
        minLoopUtilization: options.overloadMinLoopUtilization,
      },
      slowConsumer: options.slowConsumer,
    },
    { io, connections, metrics, logger: options.logger, books, snapshots, subscriptions },
  );
  const common = { connections, subscriptions, books, snapshots, delivery };
  if (!options.redis || !store || !shared) {
    const memoryHistory = new MemoryUserStreamHistory(limits, options.clock);
    return { ...common, fanout: undefined, history: memoryHistory, memoryHistory };
  }
  const fanout = new ClusterFanout({
    store,
    pub: options.redis.pub,
    sub: options.redis.sub,
    snapshots: shared,
    books,
    delivery,
    logger: options.logger,
    confirmTimeoutMs: options.clusterConfirmTimeoutMs,
    publishTimeoutMs: options.clusterPublishTimeoutMs,
    busLingerMs: options.clusterBusLingerMs,
    ...(options.clock ? { busClock: options.clock } : {}),
    onBusMessage: (ns, bytes) => metrics.busMessageReceived?.(ns, bytes),
    onBusResumed: hooks.onBusResumed,
  });
  return {
    ...common,
    fanout,
    history: new RedisUserStreamHistory(store, limits, options.clock),
    memoryHistory: undefined,
  };
}

/** The inbound request handler; a request refused by the rate limit is logged (sampled) with IP and user. */
function buildInbound(
  options: WebSocketServerOptions,
  deps: Pick<ServerRuntime, 'connections' | 'metrics' | 'rateLimit' | 'refusals' | 'admission' | 'delivery'>,
  hooks: RuntimeHooks,
): InboundHandler {
  return new InboundHandler({
    connections: deps.connections,
    holdWrites: (socket) => deps.delivery.holdWrites(socket),
    metrics: deps.metrics,
    rateLimit: deps.rateLimit,
    logger: options.logger,
    onRateLimited: (socket: Socket, namespace, event) => {
      hooks.onRateLimited();
      deps.refusals.request({
        code: 'RATE_LIMITED',
        namespace,
        ip: deps.admission.ipOf(socket),
        userId: (socket.data as Partial<SocketData>).userId ?? null,
        reason: 'too many requests',
        event,
      });
    },
  });
}
