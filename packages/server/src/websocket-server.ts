import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { WebSocketMetrics } from '@ws/metrics';
import {
  type AdminAlert,
  type AdminStats,
  type AlertsList,
  adminCommandValidators,
  type ClientToServerEvents,
  type ConnectionInfo,
  type ErrorCode,
  handshakeValidators,
  type InterServerEvents,
  type MaintenanceState,
  type MetricsSnapshot,
  NAMESPACE_NAMES,
  type NamespaceName,
  type NodeStatus,
  rooms,
  type ServerToClientEvents,
  type SocketData,
  USER_STREAMS,
  type UserRecoverySince,
} from '@ws/protocol';
import { Cluster, type Redis } from 'ioredis';
import { type Namespace, Server, type Socket } from 'socket.io';
import { AdminAlerts } from './admin/admin-alerts.js';
import { AuthMiddleware } from './admission/auth-middleware.js';
import {
  type ConnectionCounter,
  MemoryConnectionCounter,
  RedisConnectionCounter,
} from './admission/connection-counter.js';
import { EngineAdmission } from './admission/engine-admission.js';
import { checkHandshakeAuth } from './admission/handshake-auth.js';
import { RateLimitMiddleware } from './admission/rate-limit-middleware.js';
import { RefusalLog } from './admission/refusal-log.js';
import { adapterRedisView } from './cluster/adapter-redis-view.js';
import { ClusterFanout } from './cluster/cluster-fanout.js';
import type {
  AuthComponent,
  MetricsComponent,
  NamespaceMiddleware,
  RateLimitComponent,
} from './component-contracts.js';
import { type ConnectionFilter, ConnectionManager } from './connection-manager.js';
import { RoomDelivery } from './delivery/room-delivery.js';
import type { SlowConsumerGuard } from './delivery/slow-consumer-guard.js';
import { preEncodingParser } from './encoding/pre-encoded-json.js';
import { InboundHandler, type InboundRoute } from './inbound/inbound-handler.js';
import { AdminNamespaceHandler } from './namespaces/admin-namespace.js';
import { commonRoutes } from './namespaces/common-routes.js';
import { MarketNamespaceHandler } from './namespaces/market-namespace.js';
import { PricesNamespaceHandler } from './namespaces/prices-namespace.js';
import { UserNamespaceHandler } from './namespaces/user-namespace.js';
import { WebSocketBroadcast } from './publish/websocket-broadcast.js';
import { recoverUserStreams } from './recovery/user-recovery.js';
import { DEFAULT_REDIS_PREFIX, redisKey } from './redis-keys.js';
import { OrderBooks } from './state/order-books.js';
import { RedisSequenceStore } from './state/redis-sequence-store.js';
import { RedisSnapshotStore } from './state/redis-snapshot-store.js';
import { MemorySequenceStore } from './state/sequence-store.js';
import { MemorySnapshotStore, type SnapshotStore } from './state/snapshot-store.js';
import {
  MemoryUserStreamHistory,
  RedisUserStreamHistory,
  type UserStreamHistory,
} from './state/user-stream-history.js';
import { SubscriptionManager } from './subscriptions/subscription-manager.js';
import { RedisUserChannelCounter } from './subscriptions/user-channel-counter.js';
import { UserChannelGuard } from './subscriptions/user-channel-guard.js';
import {
  resolveServerOptions,
  type WebSocketServerInit,
  type WebSocketServerOptions,
} from './websocket-server-options.js';
import { WsError } from './ws-error.js';

/** A Socket.IO namespace typed by the protocol's event maps for that namespace. */
export type TypedNamespace<N extends NamespaceName> = Namespace<
  ClientToServerEvents<N>,
  ServerToClientEvents<N>,
  InterServerEvents,
  SocketData
>;

type TypedServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

interface Runtime {
  io: TypedServer;
  options: WebSocketServerOptions;
  auth: AuthComponent | undefined;
  rateLimit: RateLimitComponent | undefined;
  metrics: MetricsComponent;
  ownsMetrics: boolean;
  connections: ConnectionManager;
  subscriptions: SubscriptionManager;
  books: OrderBooks;
  broadcast: WebSocketBroadcast;
  inbound: InboundHandler;
  alerts: AdminAlerts;
  guard?: UserChannelGuard | undefined;
  statsTimer: NodeJS.Timeout;
  fanout: ClusterFanout | undefined;
  history: UserStreamHistory;
  delivery: RoomDelivery;
  admission: EngineAdmission;
  counter: ConnectionCounter;
  refusals: RefusalLog;
}

const PUBLIC_NAMESPACES: ReadonlySet<NamespaceName> = new Set(['/prices', '/market']);

/** The part of an Engine.IO socket the heartbeat timing listens to. */
interface EngineConnection {
  on(event: 'packetCreate' | 'packet', listener: (packet: { type: string }) => void): unknown;
}

/**
 * The gateway's Socket.IO server: the four namespaces of the protocol with auth, rate limits,
 * subscriptions, broadcasting, admin, maintenance mode and graceful close.
 */
export class WebSocketServer {
  static #instance: WebSocketServer | undefined;

  /** The process-wide instance services share (`websocketBroadcast` delegates to it). */
  static getInstance(): WebSocketServer {
    WebSocketServer.#instance ??= new WebSocketServer();
    return WebSocketServer.#instance;
  }

  readonly #init: WebSocketServerInit;
  #runtime: Runtime | undefined;
  #maintenance: MaintenanceState = { enabled: false };
  #closing = false;
  #closed: Promise<void> | undefined;
  #rateLimitRejections = 0;
  /** Listeners on objects the server does not own (the Redis clients), removed on close. */
  readonly #detach: (() => void)[] = [];

  constructor(options: WebSocketServerInit = {}) {
    this.#init = options;
  }

  /** Attaches Socket.IO to the HTTP server; `options` override those given to the constructor. */
  async initialize(httpServer: HttpServer | HttpsServer, options: WebSocketServerInit = {}): Promise<this> {
    if (this.#runtime || this.#closing) throw new Error('WebSocketServer: already initialized');
    const resolved = resolveServerOptions({ ...this.#init, ...options });
    // Components that validate their options are built before Socket.IO attaches to the HTTP server.
    const auth = resolved.authMiddleware ?? (resolved.auth ? new AuthMiddleware(resolved.auth) : undefined);
    const rateLimit =
      resolved.rateLimiter ??
      (resolved.rateLimit === false
        ? undefined
        : new RateLimitMiddleware({
            ...(resolved.redis
              ? {
                  redis: resolved.redis.pub as Redis,
                  keyPrefix: redisKey(resolved.redis.prefix ?? DEFAULT_REDIS_PREFIX, 'rl'),
                }
              : {}),
            ...resolved.rateLimit,
          }));
    const ownsMetrics = resolved.metrics === undefined;
    const metrics: MetricsComponent = resolved.metrics ?? new WebSocketMetrics({ nodeId: resolved.nodeId });
    const refusals = new RefusalLog(resolved.logger, resolved.refusalLog);
    const counter =
      resolved.connectionCounter ??
      (resolved.redis
        ? new RedisConnectionCounter(resolved.redis.pub, resolved.nodeId, {
            prefix: resolved.redis.prefix ?? DEFAULT_REDIS_PREFIX,
            ttlMs: resolved.connectionCaps.ttlMs,
            logger: resolved.logger,
          })
        : new MemoryConnectionCounter());
    const admission = new EngineAdmission({
      corsOrigins: resolved.corsOrigins,
      trustProxy: resolved.trustProxy,
      caps: resolved.connectionCaps,
      counter,
      rateLimit,
      refusals,
      metrics,
      closing: () => this.#closing,
    });
    const io: TypedServer = new Server(httpServer, {
      serveClient: false,
      // The default parser, plus payloads encoded once (order-book snapshots) spliced in as they are.
      parser: preEncodingParser,
      maxHttpBufferSize: resolved.maxHttpBufferSize,
      pingInterval: resolved.pingIntervalMs,
      pingTimeout: resolved.pingTimeoutMs,
      cors:
        resolved.corsOrigins === '*'
          ? { origin: '*' }
          : { origin: resolved.corsOrigins, credentials: true, methods: ['GET', 'POST'] },
      // Origin, shutdown, handshake rate limit and the per-IP cap, before the client names any namespace.
      allowRequest: admission.allowRequest,
    });
    admission.attach(io.engine as unknown as Parameters<EngineAdmission['attach']>[0]);
    if (resolved.redis) {
      const { pub, sub } = resolved.redis;
      const key = redisKey(resolved.redis.prefix ?? DEFAULT_REDIS_PREFIX, 'adapter');
      // Redis Cluster: the sharded adapter (SSUBSCRIBE per shard) instead of cluster-wide PUBLISH for everything.
      const onAdapterError = (err: unknown) => {
        metrics.error('INTERNAL');
        resolved.logger.warn({ err }, 'redis adapter command failed');
      };
      const adapterPub = adapterRedisView(pub, onAdapterError);
      const adapterSub = adapterRedisView(sub, onAdapterError);
      io.adapter(
        pub instanceof Cluster
          ? createShardedAdapter(adapterPub, adapterSub, { channelPrefix: key })
          : createAdapter(adapterPub, adapterSub, { key }),
      );
      const report = () => metrics.setRedisStatus(pub.status === 'ready' && sub.status === 'ready');
      for (const client of [pub, sub]) {
        client.on('ready', report);
        client.on('end', report);
        client.on('close', report);
      }
      report();
      this.#detach.push(() => {
        for (const client of [pub, sub]) {
          client.off('ready', report);
          client.off('end', report);
          client.off('close', report);
        }
      });
    }
    const connections = new ConnectionManager(resolved.nodeId);
    const subscriptions = new SubscriptionManager(resolved.limits, resolved.symbols);
    const books = new OrderBooks();
    const historyLimits = resolved.recovery;
    // Cluster mode: seq, snapshots, books and /user history live in Redis; delivery comes off the bus.
    const store = resolved.redis
      ? new RedisSequenceStore(resolved.redis.pub, {
          prefix: resolved.redis.prefix ?? DEFAULT_REDIS_PREFIX,
          historyMaxLen: historyLimits.maxEvents,
          historyWindowMs: historyLimits.windowMs,
        })
      : undefined;
    const shared = store ? new RedisSnapshotStore(store) : undefined;
    const snapshots: SnapshotStore = shared ?? resolved.snapshotStore ?? new MemorySnapshotStore();
    const delivery = new RoomDelivery(
      {
        conflation: {
          turnBudgetMs: resolved.overloadTurnBudgetMs,
          minLoopUtilization: resolved.overloadMinLoopUtilization,
        },
        slowConsumer: resolved.slowConsumer,
      },
      { io, connections, metrics, logger: resolved.logger, books, snapshots, subscriptions },
    );
    let fanout: ClusterFanout | undefined;
    let history: UserStreamHistory;
    let memoryHistory: MemoryUserStreamHistory | undefined;
    if (resolved.redis && store && shared) {
      fanout = new ClusterFanout({
        store,
        pub: resolved.redis.pub,
        sub: resolved.redis.sub,
        snapshots: shared,
        books,
        delivery,
        logger: resolved.logger,
        confirmTimeoutMs: resolved.clusterConfirmTimeoutMs,
        publishTimeoutMs: resolved.clusterPublishTimeoutMs,
        onBusResumed: (lastSeen) => this.#replayAfterBusOutage(lastSeen),
      });
      history = new RedisUserStreamHistory(store, historyLimits);
    } else {
      memoryHistory = new MemoryUserStreamHistory(historyLimits);
      history = memoryHistory;
    }
    const broadcast = new WebSocketBroadcast({
      delivery,
      sequences: resolved.sequenceStore ?? new MemorySequenceStore(),
      snapshots,
      books,
      isKnownSymbol: (symbol) => subscriptions.isKnownSymbol(symbol),
      allowUnknownSymbols: resolved.allowUnknownSymbols,
      namespaces: NAMESPACE_NAMES,
      ...(fanout ? { cluster: fanout } : {}),
      ...(memoryHistory ? { history: memoryHistory } : {}),
    });
    const inbound = new InboundHandler({
      connections,
      metrics,
      rateLimit,
      logger: resolved.logger,
      onRateLimited: (socket, namespace, event) => {
        this.#rateLimitRejections++;
        refusals.request({
          code: 'RATE_LIMITED',
          namespace,
          ip: admission.ipOf(socket),
          userId: (socket.data as Partial<SocketData>).userId ?? null,
          reason: 'too many requests',
          event,
        });
      },
    });
    const statsTimer = setInterval(() => {
      memoryHistory?.sweep();
      this.#tickAdmin();
    }, resolved.admin.statsIntervalMs);
    statsTimer.unref();
    this.#maintenance = { ...resolved.maintenance };
    this.#runtime = {
      io,
      options: resolved,
      auth,
      rateLimit,
      metrics,
      ownsMetrics,
      connections,
      subscriptions,
      books,
      broadcast,
      inbound,
      alerts: new AdminAlerts(resolved.admin.alerts, resolved.nodeId),
      statsTimer,
      fanout,
      history,
      delivery,
      admission,
      counter,
      refusals,
    };
    await fanout?.start();

    const send = (socket: Socket, event: string, payload: object) => delivery.send(socket, { event, payload });
    const prepare = fanout ? { prepare: (rooms: readonly string[]) => fanout.prepare(rooms) } : {};
    const guard = resolved.redis
      ? new UserChannelGuard(
          new RedisUserChannelCounter(resolved.redis.pub as Redis, resolved.nodeId, {
            prefix: resolved.redis.prefix ?? DEFAULT_REDIS_PREFIX,
          }),
          resolved.limits.maxChannelsPerUser,
          resolved.logger,
        )
      : undefined;
    this.#runtime.guard = guard;
    const handlers: Record<NamespaceName, Record<string, InboundRoute>> = {
      '/prices': new PricesNamespaceHandler({
        subscriptions,
        snapshots,
        send,
        ...prepare,
        ...(guard ? { guard } : {}),
      }).routes(),
      '/market': new MarketNamespaceHandler({
        subscriptions,
        snapshots,
        books,
        send,
        ...prepare,
        ...(guard ? { guard } : {}),
      }).routes(),
      '/user': new UserNamespaceHandler().routes(),
      '/admin': new AdminNamespaceHandler({
        getMetrics: () => this.getMetrics(),
        listConnections: (filter) => this.#listConnections(filter),
        disconnect: (target) => this.disconnect(target),
        setMaintenance: (enabled, message) => this.setMaintenance(enabled, message),
        subscriptionStats: () => subscriptions.stats(),
        nodeStatus: () => this.#nodeStatus(),
        listNodes: () => this.#listNodes(),
        listAlerts: () => this.#listAlerts(),
        broadcastSystemMessage: (message) => broadcast.broadcastSystemMessage(message),
        send,
      }).routes(),
    };
    this.#observeHeartbeats(io, metrics);
    const common = commonRoutes(auth);
    this.#refuseUndeclaredNamespaces(io);
    for (const name of NAMESPACE_NAMES) {
      const nsp = io.of(name);
      nsp.use(this.#admission(name) as Parameters<typeof nsp.use>[0]);
      // Built once per namespace, with one disconnect listener shared by its sockets (called with the socket as `this`).
      const routes = { ...common, ...handlers[name] };
      const onDisconnect = function (this: Socket, reason: string): void {
        resolved.logger.debug(
          { socketId: this.id, namespace: name, userId: this.data.userId ?? null, reason },
          'disconnected',
        );
        subscriptions.release(this.id);
        guard?.release(this.id);
        connections.remove(this.id);
        rateLimit?.release(this);
        metrics.connectionClosed(name);
      };
      nsp.on('connection', (socket) => this.#onConnection(name, socket as unknown as Socket, routes, onDisconnect));
      nsp.adapter.on('join-room', (room: string, id: string) => connections.joined(name, room, id));
      nsp.adapter.on('leave-room', (room: string, id: string) => connections.left(room, id));
      nsp.adapter.on('delete-room', (room: string) => connections.roomDeleted(name, room));
    }
    io.on('connections.list', (filter, ack) => {
      // Comes from other nodes over Redis: answer only a well-formed filter.
      if (typeof ack !== 'function') return;
      const checked = adminCommandValidators['connections.list'].validate(filter);
      ack(checked.ok ? connections.list(checked.value) : { connections: [], total: 0 });
    });
    io.on('node.status', (ack) => {
      if (typeof ack === 'function') ack(this.#nodeStatus());
    });
    io.on('alerts.list', (ack) => {
      if (typeof ack === 'function') ack(this.#runtime?.alerts.list() ?? { active: [], history: [] });
    });
    io.on('maintenance.set', (state) => {
      // Comes from other nodes over Redis: take only a well-formed state.
      if (typeof state?.enabled !== 'boolean') return;
      const message = typeof state.message === 'string' ? state.message.slice(0, 1000) : undefined;
      this.#applyMaintenance(message === undefined ? { enabled: state.enabled } : { enabled: state.enabled, message });
    });
    // No `nodeId` field: the logger's own bindings carry it (the gateway's does), so it appears once per line.
    resolved.logger.info({ redis: Boolean(resolved.redis) }, 'websocket server initialized');
    this.#logSymbolPolicy(resolved, (options.symbols ?? this.#init.symbols) !== undefined);
    return this;
  }

  /** The underlying Socket.IO server. */
  get io(): TypedServer {
    return this.#rt().io;
  }

  /** A namespace typed by its event maps. */
  namespace<N extends NamespaceName>(name: N): TypedNamespace<N> {
    return this.#rt().io.of(name) as unknown as TypedNamespace<N>;
  }

  /** The broadcast service (every `broadcast*` method, `publish`, `publishBatch`). */
  get broadcast(): WebSocketBroadcast {
    return this.#rt().broadcast;
  }

  get connections(): ConnectionManager {
    return this.#rt().connections;
  }

  get subscriptions(): SubscriptionManager {
    return this.#rt().subscriptions;
  }

  /** The slow-consumer guard (undefined when `slowConsumer: false`). */
  get slowConsumers(): SlowConsumerGuard | undefined {
    return this.#rt().delivery.slowConsumers;
  }

  /** Where refused connections and requests are logged (sampled); `flush()` writes pending `suppressed` counts. */
  get refusals(): RefusalLog {
    return this.#rt().refusals;
  }

  /** The order books the depth stream is built from. */
  get orderBooks(): OrderBooks {
    return this.#rt().books;
  }

  get options(): WebSocketServerOptions {
    return this.#rt().options;
  }

  get initialized(): boolean {
    return this.#runtime !== undefined;
  }

  get maintenance(): MaintenanceState {
    return { ...this.#maintenance };
  }

  /** See `WebSocketBroadcast.broadcastPriceUpdate`. */
  broadcastPriceUpdate(...args: Parameters<WebSocketBroadcast['broadcastPriceUpdate']>) {
    return this.broadcast.broadcastPriceUpdate(...args);
  }

  /** See `WebSocketBroadcast.broadcastSystemMessage`. */
  broadcastSystemMessage(...args: Parameters<WebSocketBroadcast['broadcastSystemMessage']>) {
    return this.broadcast.broadcastSystemMessage(...args);
  }

  getMetrics(): MetricsSnapshot {
    return this.#rt().metrics.getMetrics();
  }

  exportPrometheusMetrics(): Promise<string> {
    return this.#rt().metrics.exportPrometheusMetrics();
  }

  /** `Content-Type` of `exportPrometheusMetrics()`. */
  get metricsContentType(): string {
    return this.#rt().metrics.contentType;
  }

  /**
   * Maintenance mode: new non-admin connections are refused with MAINTENANCE, connected clients get
   * `system.message` type `maintenance`; admins keep working. Propagated to the other nodes over Redis.
   */
  setMaintenance(enabled: boolean, message?: string): MaintenanceState {
    const rt = this.#rt();
    const state: MaintenanceState = message === undefined ? { enabled } : { enabled, message };
    this.#applyMaintenance(state);
    if (rt.options.redis) rt.io.serverSideEmit('maintenance.set', state);
    return this.maintenance;
  }

  /** Disconnects by socket id or by user, on every namespace and (with the Redis adapter) every node. */
  async disconnect(target: { socketId?: string; userId?: string }): Promise<number> {
    const rt = this.#rt();
    let count = 0;
    for (const name of NAMESPACE_NAMES) {
      const nsp = rt.io.of(name);
      const selectors: string[] = [];
      if (target.socketId !== undefined) selectors.push(target.socketId);
      if (target.userId !== undefined) selectors.push(rooms.user(target.userId));
      for (const selector of selectors) {
        const sockets = await nsp.in(selector).fetchSockets();
        for (const s of sockets) {
          if (target.userId !== undefined && target.socketId !== undefined && s.data.userId !== target.userId) continue;
          s.disconnect(true);
          count++;
        }
        if (target.socketId !== undefined && target.userId !== undefined) break;
      }
    }
    return count;
  }

  /**
   * Graceful shutdown: refuses new connections, tells every client `system.message` type `reconnect` with a
   * jittered `reconnectAfterMs`, lets queued frames flush, disconnects everyone and closes Socket.IO, all
   * within `shutdown.deadlineMs`. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    const rt = this.#runtime;
    if (WebSocketServer.#instance === this) WebSocketServer.#instance = undefined;
    if (!rt) return;
    clearInterval(rt.statsTimer);
    rt.delivery.close();
    rt.fanout?.close();
    const deadline = Date.now() + rt.options.shutdown.deadlineMs;
    const jitter = rt.options.shutdown.reconnectJitterMs;
    const sockets: Socket[] = [];
    for (const name of NAMESPACE_NAMES) {
      for (const socket of rt.io.of(name).sockets.values()) sockets.push(socket as unknown as Socket);
    }
    for (const socket of sockets) {
      rt.delivery.send(socket, {
        event: 'system.message',
        payload: {
          type: 'reconnect',
          message: 'server is shutting down; reconnect',
          timestamp: Date.now(),
          reconnectAfterMs: Math.floor(Math.random() * (jitter + 1)),
        },
      });
    }
    await Promise.all(sockets.map((s) => flushed(s, deadline)));
    for (const name of NAMESPACE_NAMES) rt.io.of(name).local.disconnectSockets(true);
    rt.auth?.close();
    rt.counter.close();
    rt.refusals.close();
    for (const detach of this.#detach.splice(0)) detach();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      timer.unref();
      void rt.io.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (rt.ownsMetrics) rt.metrics.close();
    rt.options.logger.info({}, 'websocket server closed');
  }

  /**
   * `connections.list` across the cluster: this node's plus every other node's answer (if some node does not
   * answer within the adapter's request timeout, the local list is returned rather than failing).
   */
  async #listConnections(filter: ConnectionFilter): Promise<{ connections: ConnectionInfo[]; total: number }> {
    const rt = this.#rt();
    const local = rt.connections.list(filter);
    if (!rt.options.redis) return local;
    let remote: { connections: ConnectionInfo[]; total: number }[] = [];
    try {
      remote = await rt.io.serverSideEmitWithAck('connections.list', filter);
    } catch (err) {
      rt.options.logger.warn({ err }, 'connections.list: some nodes did not answer');
    }
    let connectionsOut = [...local.connections];
    let total = local.total;
    for (const r of remote) {
      if (!Array.isArray(r?.connections) || typeof r.total !== 'number') continue;
      connectionsOut.push(...r.connections);
      total += r.total;
    }
    if (filter.limit !== undefined) connectionsOut = connectionsOut.slice(0, filter.limit);
    return { connections: connectionsOut, total };
  }

  /** This node's answer and every other node's that arrives within the adapter's request timeout. */
  async #gather<T>(
    event: 'node.status' | 'alerts.list',
    local: T,
    valid: (answer: unknown) => answer is T,
  ): Promise<T[]> {
    const rt = this.#rt();
    if (!rt.options.redis) return [local];
    let remote: unknown[] = [];
    try {
      remote = await (rt.io.serverSideEmitWithAck as (event: string) => Promise<unknown[]>)(event);
    } catch (err) {
      rt.options.logger.warn({ err, event }, 'admin: some nodes did not answer');
    }
    return [local, ...remote.filter(valid)];
  }

  async #listNodes(): Promise<NodeStatus[]> {
    const isStatus = (a: unknown): a is NodeStatus =>
      typeof (a as NodeStatus | null)?.nodeId === 'string' && typeof (a as NodeStatus).uptimeSec === 'number';
    const nodes = await this.#gather('node.status', this.#nodeStatus(), isStatus);
    return nodes.sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  async #listAlerts(): Promise<AlertsList> {
    const isList = (a: unknown): a is AlertsList =>
      Array.isArray((a as AlertsList | null)?.active) && Array.isArray((a as AlertsList).history);
    const lists = await this.#gather('alerts.list', this.#rt().alerts.list(), isList);
    const byTime = (x: AdminAlert, y: AdminAlert) => x.timestamp - y.timestamp;
    return {
      active: lists.flatMap((l) => l.active).sort(byTime),
      history: lists
        .flatMap((l) => l.history)
        .sort(byTime)
        .slice(-100),
    };
  }

  /** Replays to every local `/user` socket what the bus did not deliver while it was down. */
  #replayAfterBusOutage(lastSeen: (room: string) => number | undefined): void {
    const rt = this.#runtime;
    if (!rt || this.#closing) return;
    for (const socket of rt.io.of('/user').sockets.values()) {
      const userId = socket.data.userId;
      if (typeof userId !== 'string') continue;
      const since: Record<string, number> = {};
      for (const stream of USER_STREAMS) {
        const seq = lastSeen(rooms[stream](userId));
        if (seq !== undefined) since[stream] = seq;
      }
      if (Object.keys(since).length === 0) continue;
      void recoverUserStreams(
        socket as unknown as Socket,
        userId,
        since,
        {
          history: rt.history,
          ...(rt.fanout ? { holds: rt.fanout } : {}),
          send: (s, event, payload) => rt.delivery.send(s, { event, payload }),
          logger: rt.options.logger,
        },
        () => undefined,
        false,
      );
    }
  }

  /** Says at start which symbols subscribes and publishes accept, so an `UNKNOWN_SYMBOL` is never a mystery. */
  #logSymbolPolicy(options: WebSocketServerOptions, configured: boolean): void {
    const publishes = options.allowUnknownSymbols ? 'any well-formed BASE/QUOTE' : 'the same symbols';
    if (options.symbols.length === 0) {
      options.logger.warn(
        { symbols: [], publishes },
        'no symbols configured: every subscribe is refused with UNKNOWN_SYMBOL (set options.symbols)',
      );
      return;
    }
    options.logger.info(
      { symbols: options.symbols.slice(0, 20), count: options.symbols.length, publishes },
      configured
        ? `symbols: ${options.symbols.length} configured; others are refused with UNKNOWN_SYMBOL`
        : `symbols: the ${options.symbols.length} defaults (DEFAULT_SYMBOLS); set options.symbols to change; others are refused with UNKNOWN_SYMBOL`,
    );
  }

  /** Requests refused by the per-connection limits plus handshakes refused by the limiter. */
  #rateLimitRejectionsTotal(rt: Runtime): number {
    const limiter = rt.rateLimit as { handshakeRejections?: unknown } | undefined;
    const handshakes = typeof limiter?.handshakeRejections === 'number' ? limiter.handshakeRejections : 0;
    return this.#rateLimitRejections + handshakes;
  }

  #rt(): Runtime {
    if (!this.#runtime) throw new WsError('INTERNAL', 'WebSocketServer is not initialized');
    return this.#runtime;
  }

  /**
   * Every namespace's admission, in order: the connection's verdict from its Engine.IO request (handshake rate
   * limit, per-IP cap), shutdown and maintenance, the closed handshake `auth`, re-connects beyond the free ones,
   * auth, the per-user cap. Counts attempts; counts and logs (sampled) every refusal with code, IP and user.
   */
  #admission(name: NamespaceName): NamespaceMiddleware {
    const rt = this.#rt();
    const steps: NamespaceMiddleware[] = [rt.admission.gate()];
    steps.push((_socket, next) => {
      if (this.#closing) return next(new WsError('MAINTENANCE', 'server is shutting down').toConnectError());
      if (this.#maintenance.enabled && name !== '/admin') {
        return next(
          new WsError('MAINTENANCE', this.#maintenance.message ?? 'maintenance in progress').toConnectError(),
        );
      }
      next();
    });
    steps.push((socket, next) => {
      try {
        // Replaced by what the protocol defines, so nothing else a client sent stays on the connection.
        (socket.handshake as { auth: object }).auth = checkHandshakeAuth(name, socket.handshake.auth);
      } catch (err) {
        return next(
          (err instanceof WsError ? err : new WsError('INVALID_PAYLOAD', 'invalid handshake')).toConnectError(),
        );
      }
      next();
    });
    if (rt.rateLimit) steps.push(rt.rateLimit.handshakeMiddleware());
    if (rt.auth) steps.push(rt.auth.middleware(name));
    else {
      steps.push((socket, next) => {
        if (!PUBLIC_NAMESPACES.has(name)) {
          return next(new WsError('UNAUTHORIZED', 'authentication is not configured').toConnectError());
        }
        Object.assign(socket.data, { userId: null, role: null, tokenExpiresAt: null });
        next();
      });
    }
    steps.push(rt.admission.userCap());
    return (socket, next) => {
      const refuse = (err: Error) => {
        if (!EngineAdmission.decidedAtRequest(err)) {
          const data = (err as { data?: { code?: ErrorCode; message?: string } }).data;
          const code = data?.code ?? 'INTERNAL';
          rt.metrics.connectionRefused(name, code);
          rt.refusals.connection({
            code,
            namespace: name,
            ip: rt.admission.ipOf(socket),
            userId: (socket.data as Partial<SocketData>).userId ?? null,
            reason: data?.message ?? err.message,
          });
        }
        next(err);
      };
      const run = (i: number): void => {
        const step = steps[i];
        if (!step) {
          rt.metrics.connectionAttempt(name);
          next();
          return;
        }
        try {
          step(socket, (err) => {
            if (err) return refuse(err);
            run(i + 1);
          });
        } catch (err) {
          rt.options.logger.error({ err, namespace: name }, 'connection middleware failed');
          refuse(new WsError('INTERNAL', 'internal error').toConnectError());
        }
      };
      run(0);
    };
  }

  /**
   * Socket.IO always serves the root namespace `/`: refuse it (NOT_FOUND), so no client holds a connection that
   * skipped the namespaces' admission. Undeclared namespaces are refused by Socket.IO itself ("Invalid namespace");
   * they are counted and logged here (Socket.IO does not tell who asked).
   */
  #refuseUndeclaredNamespaces(io: TypedServer): void {
    const rt = this.#rt();
    io.of('/').use((socket, next) => {
      const err = new WsError('NOT_FOUND', `namespace "/" is not served; connect to ${NAMESPACE_NAMES.join(', ')}`);
      rt.metrics.connectionRefused('/', 'NOT_FOUND');
      rt.refusals.connection({
        code: 'NOT_FOUND',
        namespace: '/',
        ip: rt.admission.ipOf(socket as unknown as Socket),
        userId: null,
        reason: err.message,
      });
      next(err.toConnectError());
    });
    io.of((name, _auth, next) => {
      rt.metrics.connectionRefused(name, 'NOT_FOUND');
      rt.refusals.connection({
        code: 'NOT_FOUND',
        namespace: name.slice(0, 100),
        ip: null,
        userId: null,
        reason: 'Invalid namespace',
      });
      next(null, false);
    });
  }

  #onConnection(
    name: NamespaceName,
    socket: Socket,
    routes: Record<string, InboundRoute>,
    onDisconnect: (this: Socket, reason: string) => void,
  ): void {
    const rt = this.#rt();
    try {
      const data = socket.data as Partial<SocketData>;
      const forwarded = socket.handshake.headers['user-agent'];
      data.sessionId = randomUUID();
      data.userId ??= null;
      data.role ??= null;
      data.tokenExpiresAt ??= null;
      data.connectedAt = Date.now();
      data.ip = rt.admission.ipOf(socket);
      data.userAgent = typeof forwarded === 'string' ? forwarded.slice(0, 256) : '';
      const userId = data.userId;
      rt.connections.add({
        socketId: socket.id,
        namespace: name,
        userId,
        role: data.role,
        ip: data.ip,
        userAgent: data.userAgent,
        connectedAt: data.connectedAt,
      });
      rt.subscriptions.register(socket.id, name, userId);
      rt.metrics.connectionOpened(name);
      rt.options.logger.debug({ socketId: socket.id, namespace: name, userId, ip: data.ip }, 'connected');
      socket.on('disconnect', onDisconnect);
      if (userId !== null) {
        // Lets disconnect-by-user find the user's sockets on every namespace, cluster-wide.
        if (name === '/user') new UserNamespaceHandler().onConnection(socket, userId);
        else void socket.join(rooms.user(userId));
      }
      rt.inbound.attach(socket, name, routes);
      if (rt.auth && data.tokenExpiresAt !== null) rt.auth.watch(socket);
      const authenticated = (recovered?: boolean, streams?: UserRecoverySince) =>
        rt.delivery.send(socket, {
          event: 'connection.authenticated',
          payload: {
            namespace: name,
            sessionId: data.sessionId,
            userId,
            role: data.role,
            serverTime: Date.now(),
            ...(recovered === undefined ? {} : { recovered }),
            ...(streams === undefined ? {} : { streams }),
          },
        });
      if (name === '/user' && userId !== null) {
        const raw = (socket.handshake.auth as { since?: unknown } | undefined)?.since;
        const checked = raw === undefined ? undefined : handshakeValidators['/user'].since.validate(raw);
        void recoverUserStreams(
          socket,
          userId,
          checked?.ok ? checked.value : undefined,
          {
            history: rt.history,
            ...(rt.fanout ? { holds: rt.fanout } : {}),
            send: (s, event, payload) => rt.delivery.send(s, { event, payload }),
            logger: rt.options.logger,
          },
          // An invalid `since` is never trusted: no replay, and the client is told recovery failed.
          (recovered, streams) => authenticated(checked && !checked.ok ? false : recovered, streams),
        );
      } else authenticated();
      // An admin hears this node's state (and any alert still firing) at once, not at the next tick.
      if (name === '/admin') rt.delivery.send(socket, { event: 'admin.stats', payload: this.#adminStats(rt) });
    } catch (err) {
      rt.options.logger.error({ err, namespace: name }, 'connection setup failed');
      rt.metrics.error('INTERNAL', name);
      socket.disconnect(true);
    }
  }

  /**
   * Times Engine.IO's heartbeat on every connection: from the server queuing its `ping` to the client's
   * `pong` arriving (`ws_ping_rtt_seconds`). Two listeners per connection, run once per ping interval.
   */
  #observeHeartbeats(io: TypedServer, metrics: MetricsComponent): void {
    if (!metrics.observePingRtt) return;
    io.engine.on('connection', (conn: EngineConnection) => {
      let pingAt: number | undefined;
      conn.on('packetCreate', (packet) => {
        if (packet.type === 'ping') pingAt = performance.now();
      });
      conn.on('packet', (packet) => {
        if (packet.type !== 'pong' || pingAt === undefined) return;
        metrics.observePingRtt?.((performance.now() - pingAt) / 1000);
        pingAt = undefined;
      });
    });
  }

  #applyMaintenance(state: MaintenanceState): void {
    const rt = this.#runtime;
    const wasEnabled = this.#maintenance.enabled;
    this.#maintenance = state.message === undefined ? { enabled: state.enabled } : { ...state };
    if (!rt || this.#closing) return;
    if (state.enabled) {
      void rt.broadcast
        .broadcastSystemMessage({ type: 'maintenance', message: state.message ?? 'maintenance in progress' })
        .catch(() => undefined);
    } else if (wasEnabled) {
      void rt.broadcast.broadcastSystemMessage({ type: 'info', message: 'maintenance is over' }).catch(() => undefined);
    }
    rt.options.logger.warn({ maintenance: state }, 'maintenance mode changed');
  }

  #nodeStatus(): NodeStatus {
    const rt = this.#rt();
    return {
      nodeId: rt.options.nodeId,
      maintenance: this.maintenance,
      rateLimitRejections: this.#rateLimitRejectionsTotal(rt),
      eventLoopLagMs: rt.metrics.eventLoopLagMs(),
      slowConsumers: rt.delivery.slowConsumers?.conflating ?? 0,
      uptimeSec: Math.round(process.uptime()),
      connections: rt.connections.size,
      alerts: rt.alerts.active(),
    };
  }

  /** `admin.stats` of this node, with the alerts still firing. */
  #adminStats(rt: Runtime, metrics = rt.metrics.getMetrics(), lag = rt.metrics.eventLoopLagMs()): AdminStats {
    return {
      timestamp: Date.now(),
      nodeId: rt.options.nodeId,
      metrics,
      topSymbols: rt.subscriptions.topSymbols(10),
      rateLimitRejections: this.#rateLimitRejectionsTotal(rt),
      maintenance: this.maintenance,
      eventLoopLagMs: lag,
      ...rt.metrics.counters?.(),
      slowConsumers: rt.delivery.slowConsumers?.conflating ?? 0,
      alerts: rt.alerts.active(),
    };
  }

  #tickAdmin(): void {
    const rt = this.#runtime;
    if (!rt || this.#closing) return;
    try {
      const byNamespace = rt.subscriptions.countByNamespace();
      for (const name of NAMESPACE_NAMES) rt.metrics.setSubscriptions(name, byNamespace[name] ?? 0);
      const metrics = rt.metrics.getMetrics();
      const lag = rt.metrics.eventLoopLagMs();
      const admin = rt.io.of('/admin');
      const alerts = rt.alerts.check({
        errorRatePerSec: metrics.errors.rate,
        eventLoopLagMs: lag,
        connections: rt.connections.size,
      });
      if (admin.sockets.size === 0) return;
      rt.delivery.toNamespace({
        namespace: '/admin',
        event: 'admin.stats',
        payload: this.#adminStats(rt, metrics, lag),
      });
      for (const alert of alerts)
        rt.delivery.toNamespace({ namespace: '/admin', event: 'admin.alert', payload: alert });
    } catch (err) {
      rt.options.logger.error({ err }, 'admin stats failed');
    }
  }
}

/**
 * Resolves once the socket's transport has written everything queued, or at the deadline. The engine
 * refills the transport on each transport `drain`, so wait until it is drained and writable.
 */
async function flushed(socket: Socket, deadline: number): Promise<void> {
  const conn = socket.conn;
  while (conn.readyState === 'open' && !conn.transport.writable && Date.now() < deadline) {
    const transport = conn.transport;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        transport.off('drain', done);
        conn.off('close', done);
        resolve();
      }
      transport.once('drain', done);
      conn.once('close', done);
    });
  }
}
