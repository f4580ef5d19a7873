import {
  type AdminAlert,
  type AdminStats,
  type AlertsList,
  adminCommandValidators,
  type ConnectionInfo,
  type MaintenanceState,
  NAMESPACE_NAMES,
  type NodeStatus,
  rooms,
} from '@ws/protocol';
import type { Server } from 'socket.io';
import type { MetricsComponent, RateLimitComponent } from '../component-contracts.js';
import type { ConnectionFilter, ConnectionManager } from '../connection-manager.js';
import type { Logger } from '../logger.js';
import type { AdminAlerts } from './admin-alerts.js';

type ConnectionList = { connections: ConnectionInfo[]; total: number };

/** What the admin service reads and drives; the server's runtime, seen only as far as admin needs it. */
export interface AdminServiceDeps {
  io: Pick<Server, 'of' | 'on' | 'serverSideEmit' | 'serverSideEmitWithAck'>;
  options: { nodeId: string; redis?: unknown; maintenance: MaintenanceState; logger: Logger };
  connections: ConnectionManager;
  subscriptions: {
    topSymbols(n: number): AdminStats['topSymbols'];
    countByNamespace(): Partial<Record<string, number>>;
  };
  metrics: MetricsComponent;
  rateLimit: RateLimitComponent | undefined;
  alerts: AdminAlerts;
  delivery: {
    /** Every client of a namespace on this node. */
    toNamespace(message: { namespace: '/admin'; event: string; payload: object }): void;
    readonly slowConsumers: { readonly conflating: number } | undefined;
  };
  broadcast: { broadcastSystemMessage(message: { type: 'maintenance' | 'info'; message: string }): Promise<unknown> };
}

/**
 * What `/admin` and the admin API answer: connections, nodes and alerts across the cluster, this node's
 * status and stats, maintenance mode and disconnects. Across nodes it asks over the Socket.IO adapter and
 * answers the other nodes' questions (`answerPeers`).
 */
export class AdminService {
  readonly #rt: AdminServiceDeps;
  readonly #closing: () => boolean;
  #maintenance: MaintenanceState;
  #rateLimitRejections = 0;

  constructor(rt: AdminServiceDeps, closing: () => boolean) {
    this.#rt = rt;
    this.#closing = closing;
    this.#maintenance = { ...rt.options.maintenance };
  }

  get maintenance(): MaintenanceState {
    return { ...this.#maintenance };
  }

  /** One request refused by the per-connection rate limit (reported in stats and node status). */
  countRateLimited(): void {
    this.#rateLimitRejections++;
  }

  /** Sets maintenance on this node and, with Redis, on every other. */
  setMaintenance(enabled: boolean, message?: string): MaintenanceState {
    const state: MaintenanceState = message === undefined ? { enabled } : { enabled, message };
    this.#applyMaintenance(state);
    if (this.#rt.options.redis) this.#rt.io.serverSideEmit('maintenance.set', state);
    return this.maintenance;
  }

  /** Disconnects by socket id or by user, on every namespace and (with the Redis adapter) every node. */
  async disconnect(target: { socketId?: string; userId?: string }): Promise<number> {
    let count = 0;
    for (const name of NAMESPACE_NAMES) {
      const nsp = this.#rt.io.of(name);
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
   * `connections.list` across the cluster: this node's plus every other node's answer (if some node does not
   * answer within the adapter's request timeout, the local list is returned rather than failing).
   */
  async listConnections(filter: ConnectionFilter): Promise<ConnectionList> {
    const rt = this.#rt;
    const local = rt.connections.list(filter);
    if (!rt.options.redis) return local;
    let remote: ConnectionList[] = [];
    try {
      remote = await rt.io.serverSideEmitWithAck('connections.list', filter);
    } catch (err) {
      rt.options.logger.warn({ err }, 'connections.list: some nodes did not answer');
    }
    let connections = [...local.connections];
    let total = local.total;
    for (const r of remote) {
      if (!Array.isArray(r?.connections) || typeof r.total !== 'number') continue;
      connections.push(...r.connections);
      total += r.total;
    }
    if (filter.limit !== undefined) connections = connections.slice(0, filter.limit);
    return { connections, total };
  }

  async listNodes(): Promise<NodeStatus[]> {
    const isStatus = (a: unknown): a is NodeStatus =>
      typeof (a as NodeStatus | null)?.nodeId === 'string' && typeof (a as NodeStatus).uptimeSec === 'number';
    const nodes = await this.#gather('node.status', this.nodeStatus(), isStatus);
    return nodes.sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  async listAlerts(): Promise<AlertsList> {
    const isList = (a: unknown): a is AlertsList =>
      Array.isArray((a as AlertsList | null)?.active) && Array.isArray((a as AlertsList).history);
    const lists = await this.#gather('alerts.list', this.#rt.alerts.list(), isList);
    const byTime = (x: AdminAlert, y: AdminAlert) => x.timestamp - y.timestamp;
    return {
      active: lists.flatMap((l) => l.active).sort(byTime),
      history: lists
        .flatMap((l) => l.history)
        .sort(byTime)
        .slice(-100),
    };
  }

  nodeStatus(): NodeStatus {
    const rt = this.#rt;
    return {
      nodeId: rt.options.nodeId,
      maintenance: this.maintenance,
      rateLimitRejections: this.#rateLimitRejectionsTotal(),
      eventLoopLagMs: rt.metrics.eventLoopLagMs(),
      slowConsumers: rt.delivery.slowConsumers?.conflating ?? 0,
      uptimeSec: Math.round(process.uptime()),
      connections: rt.connections.size,
      alerts: rt.alerts.active(),
    };
  }

  /** `admin.stats` of this node, with the alerts still firing. */
  stats(metrics = this.#rt.metrics.getMetrics(), lag = this.#rt.metrics.eventLoopLagMs()): AdminStats {
    const rt = this.#rt;
    return {
      timestamp: Date.now(),
      nodeId: rt.options.nodeId,
      metrics,
      topSymbols: rt.subscriptions.topSymbols(10),
      rateLimitRejections: this.#rateLimitRejectionsTotal(),
      maintenance: this.maintenance,
      eventLoopLagMs: lag,
      ...rt.metrics.counters?.(),
      slowConsumers: rt.delivery.slowConsumers?.conflating ?? 0,
      alerts: rt.alerts.active(),
    };
  }

  /** Every stats interval: subscription gauges, alert checks, and `admin.stats` (and new alerts) to admins. */
  tick(): void {
    const rt = this.#rt;
    if (this.#closing()) return;
    try {
      const byNamespace = rt.subscriptions.countByNamespace();
      for (const name of NAMESPACE_NAMES) rt.metrics.setSubscriptions(name, byNamespace[name] ?? 0);
      const metrics = rt.metrics.getMetrics();
      const lag = rt.metrics.eventLoopLagMs();
      const alerts = rt.alerts.check({
        errorRatePerSec: metrics.errors.rate,
        eventLoopLagMs: lag,
        connections: rt.connections.size,
      });
      if (rt.io.of('/admin').sockets.size === 0) return;
      rt.delivery.toNamespace({ namespace: '/admin', event: 'admin.stats', payload: this.stats(metrics, lag) });
      for (const alert of alerts)
        rt.delivery.toNamespace({ namespace: '/admin', event: 'admin.alert', payload: alert });
    } catch (err) {
      rt.options.logger.error({ err }, 'admin stats failed');
    }
  }

  /** Answers the other nodes' admin questions and takes their maintenance changes (they come over Redis). */
  answerPeers(): void {
    const { io, connections, alerts } = this.#rt;
    io.on('connections.list', (filter, ack) => {
      // Comes from other nodes over Redis: answer only a well-formed filter.
      if (typeof ack !== 'function') return;
      const checked = adminCommandValidators['connections.list'].validate(filter);
      ack(checked.ok ? connections.list(checked.value) : { connections: [], total: 0 });
    });
    io.on('node.status', (ack) => {
      if (typeof ack === 'function') ack(this.nodeStatus());
    });
    io.on('alerts.list', (ack) => {
      if (typeof ack === 'function') ack(alerts.list());
    });
    io.on('maintenance.set', (state) => {
      // Comes from other nodes over Redis: take only a well-formed state.
      if (typeof state?.enabled !== 'boolean') return;
      const message = typeof state.message === 'string' ? state.message.slice(0, 1000) : undefined;
      this.#applyMaintenance(message === undefined ? { enabled: state.enabled } : { enabled: state.enabled, message });
    });
  }

  #applyMaintenance(state: MaintenanceState): void {
    const wasEnabled = this.#maintenance.enabled;
    this.#maintenance = state.message === undefined ? { enabled: state.enabled } : { ...state };
    if (this.#closing()) return;
    const broadcast = this.#rt.broadcast;
    if (state.enabled) {
      void broadcast
        .broadcastSystemMessage({ type: 'maintenance', message: state.message ?? 'maintenance in progress' })
        .catch(() => undefined);
    } else if (wasEnabled) {
      void broadcast.broadcastSystemMessage({ type: 'info', message: 'maintenance is over' }).catch(() => undefined);
    }
    this.#rt.options.logger.warn({ maintenance: state }, 'maintenance mode changed');
  }

  /** This node's answer and every other node's that arrives within the adapter's request timeout. */
  async #gather<T>(
    event: 'node.status' | 'alerts.list',
    local: T,
    valid: (answer: unknown) => answer is T,
  ): Promise<T[]> {
    const rt = this.#rt;
    if (!rt.options.redis) return [local];
    let remote: unknown[] = [];
    try {
      remote = await (rt.io.serverSideEmitWithAck as (event: string) => Promise<unknown[]>)(event);
    } catch (err) {
      rt.options.logger.warn({ err, event }, 'admin: some nodes did not answer');
    }
    return [local, ...remote.filter(valid)];
  }

  /** Requests refused by the per-connection limits plus handshakes refused by the limiter. */
  #rateLimitRejectionsTotal(): number {
    const limiter = this.#rt.rateLimit as { handshakeRejections?: unknown } | undefined;
    const handshakes = typeof limiter?.handshakeRejections === 'number' ? limiter.handshakeRejections : 0;
    return this.#rateLimitRejections + handshakes;
  }
}
