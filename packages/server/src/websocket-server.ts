import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type {
  ClientToServerEvents,
  InterServerEvents,
  MaintenanceState,
  MetricsSnapshot,
  NamespaceName,
  ServerToClientEvents,
  SocketData,
} from '@ws/protocol';
import type { Namespace } from 'socket.io';
import { AdminService } from './admin/admin-service.js';
import { namespaceAdmission } from './admission/namespace-admission.js';
import type { RefusalLog } from './admission/refusal-log.js';
import { recoveryDeps, refuseUndeclaredNamespaces, wireConnections } from './connection-lifecycle.js';
import type { ConnectionManager } from './connection-manager.js';
import type { SlowConsumerGuard } from './delivery/slow-consumer-guard.js';
import { abandon, closeGracefully } from './graceful-close.js';
import type { WebSocketBroadcast } from './publish/websocket-broadcast.js';
import { replayAfterBusOutage } from './recovery/bus-outage-replay.js';
import { routeTables } from './runtime/route-tables.js';
import { buildRuntime, type ServerRuntime, type TypedServer } from './runtime/server-runtime.js';
import { logSymbolPolicy } from './runtime/symbol-policy-log.js';
import type { OrderBooks } from './state/order-books.js';
import type { SubscriptionManager } from './subscriptions/subscription-manager.js';
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

/**
 * Where a server is in its life: `created` until `initialize()`, `initializing` while it attaches,
 * `running`, then `closing` (new connections refused) and `closed`. A server is initialized once.
 */
export type WebSocketServerState = 'created' | 'initializing' | 'running' | 'closing' | 'closed';

/**
 * The gateway's Socket.IO server: the four namespaces of the protocol with auth, rate limits,
 * subscriptions, broadcasting, admin, maintenance mode and graceful close. A façade: the runtime builder
 * makes the components, and this class wires them and answers the public API.
 */
export class WebSocketServer {
  static #instance: WebSocketServer | undefined;

  /** The process-wide instance services share (`websocketBroadcast` delegates to it). */
  static getInstance(): WebSocketServer {
    WebSocketServer.#instance ??= new WebSocketServer();
    return WebSocketServer.#instance;
  }

  readonly #init: WebSocketServerInit;
  #state: WebSocketServerState = 'created';
  #runtime: ServerRuntime | undefined;
  #admin: AdminService | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: WebSocketServerInit = {}) {
    this.#init = options;
  }

  /**
   * Attaches Socket.IO to the HTTP server; `options` override those given to the constructor. Throws an
   * `Error` when called twice or after `close()`; on a bad option nothing is attached and the server stays
   * `created`. When the Redis cannot carry the cluster bus it rejects with `WsConfigError('redis')` and the
   * server is `closed` (Socket.IO stays attached to `httpServer`, refusing every request).
   */
  async initialize(httpServer: HttpServer | HttpsServer, options: WebSocketServerInit = {}): Promise<this> {
    if (this.#state !== 'created') {
      throw new Error(`WebSocketServer: initialize() was already called (the server is ${this.#state})`);
    }
    this.#state = 'initializing';
    let rt: ServerRuntime;
    try {
      const resolved = resolveServerOptions({ ...this.#init, ...options });
      rt = buildRuntime(httpServer, resolved, {
        closing: () => this.#closing,
        onRateLimited: () => this.#admin?.countRateLimited(),
        onBusResumed: (lastSeen) => {
          if (!this.#closing) replayAfterBusOutage(rt.io.of('/user').sockets.values(), lastSeen, recoveryDeps(rt));
        },
      });
    } catch (err) {
      this.#state = 'created';
      throw err;
    }
    refuseUndeclaredNamespaces(rt);
    const admin = new AdminService(rt, () => this.#closing);
    this.#runtime = rt;
    this.#admin = admin;
    this.#timer = setInterval(() => {
      rt.memoryHistory?.sweep();
      admin.tick();
    }, rt.options.admin.statsIntervalMs);
    this.#timer.unref();
    try {
      await rt.fanout?.start();
    } catch (err) {
      // A Redis that cannot carry the bus (older than 7.0). Socket.IO is attached by now and has no detach:
      // the server is closed, so Engine.IO refuses every request from here on (no namespace is wired to
      // serve one) and the HTTP server, the caller's, stays open.
      clearInterval(this.#timer);
      this.#state = 'closed';
      this.#closed = Promise.resolve();
      if (WebSocketServer.#instance === this) WebSocketServer.#instance = undefined;
      abandon(rt);
      throw err;
    }
    wireConnections(rt, {
      routes: routeTables(rt, admin, () => this.getMetrics()),
      admission: (name) =>
        namespaceAdmission(name, { ...rt, logger: rt.options.logger, closedBecause: (n) => this.#closedBecause(n) }),
      adminStats: () => admin.stats(),
    });
    admin.answerPeers();
    // No `nodeId` field: the logger's own bindings carry it (the gateway's does), so it appears once per line.
    rt.options.logger.info({ redis: Boolean(rt.options.redis) }, 'websocket server initialized');
    logSymbolPolicy(rt.options, { configured: (options.symbols ?? this.#init.symbols) !== undefined });
    if (this.#state === 'initializing') this.#state = 'running';
    return this;
  }

  /** Where the server is in its life. */
  get state(): WebSocketServerState {
    return this.#state;
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

  /** Whether `initialize()` built the server (it stays true after `close()`). */
  get initialized(): boolean {
    return this.#runtime !== undefined;
  }

  get maintenance(): MaintenanceState {
    return this.#admin?.maintenance ?? { enabled: false };
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
    return this.#adminService().setMaintenance(enabled, message);
  }

  /** Disconnects by socket id or by user, on every namespace and (with the Redis adapter) every node. */
  disconnect(target: { socketId?: string; userId?: string }): Promise<number> {
    return this.#adminService().disconnect(target);
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
    this.#state = 'closing';
    if (WebSocketServer.#instance === this) WebSocketServer.#instance = undefined;
    clearInterval(this.#timer);
    if (this.#runtime) await closeGracefully(this.#runtime);
    this.#state = 'closed';
  }

  get #closing(): boolean {
    return this.#state === 'closing' || this.#state === 'closed';
  }

  /** Why a new connection to `name` is refused now: shutdown, or maintenance (admins still get in). */
  #closedBecause(name: NamespaceName): WsError | undefined {
    if (this.#closing) return new WsError('MAINTENANCE', 'server is shutting down');
    const maintenance = this.maintenance;
    if (maintenance.enabled && name !== '/admin') {
      return new WsError('MAINTENANCE', maintenance.message ?? 'maintenance in progress');
    }
    return undefined;
  }

  /** The runtime; using the API before `initialize()` is a programming error, not a wire error. */
  #rt(): ServerRuntime {
    if (!this.#runtime) {
      throw new Error(`WebSocketServer: call initialize() before using the server (the server is ${this.#state})`);
    }
    return this.#runtime;
  }

  #adminService(): AdminService {
    this.#rt();
    return this.#admin as AdminService;
  }
}
