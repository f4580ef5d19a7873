import type { AdminAlert, AdminStats, MaintenanceState, MetricsSnapshot, NamespaceMetrics } from '@ws/protocol';

export interface DashboardStateOptions {
  /** How far back the message-rate history goes (ms). Default 60 000. */
  windowMs?: number;
  /** A node that has not reported for this long drops out of the totals (ms). Default 30 000. */
  staleAfterMs?: number;
  /** How many alerts are kept. Default 100. */
  maxAlerts?: number;
}

/** Messages per second in and out at one moment. */
export interface RateSample {
  at: number;
  in: number;
  out: number;
}

/** What the dashboard shows: the cluster's figures summed over the nodes that report. */
export interface DashboardView {
  nodes: string[];
  updatedAt: number | null;
  connections: { current: number; total: number };
  namespaces: Record<string, NamespaceMetrics>;
  /** Messages per second in and out; null until two reports of a node arrived. */
  rate: RateSample | null;
  history: RateSample[];
  /** The worst node's propagation latency (ms): message entering the platform → frame written to a recipient. */
  latency: MetricsSnapshot['latency'];
  /** The worst node's heartbeat round trip (ms); null when no node reports one. */
  pingRtt: MetricsSnapshot['latency'] | null;
  errors: { total: number; rate: number };
  topSymbols: { symbol: string; subscribers: number }[];
  rateLimitRejections: number | null;
  maintenance: MaintenanceState | null;
  eventLoopLagMs: number | null;
  /** Alert events received since the dashboard started (newest last). */
  alerts: AdminAlert[];
  /** Alerts still firing on the reporting nodes, oldest first, even those raised before the dashboard connected. */
  activeAlerts: AdminAlert[];
}

interface NodeEntry {
  stats: AdminStats;
  receivedAt: number;
  rate: RateSample | null;
}

function messageTotals(metrics: MetricsSnapshot): { in: number; out: number } {
  let inTotal = 0;
  let outTotal = 0;
  for (const ns of Object.values(metrics.namespaces)) {
    inTotal += ns.messagesIn;
    outTotal += ns.messagesOut;
  }
  return { in: inTotal, out: outTotal };
}

/** Folds `admin.stats` reports (of one or more nodes) and `admin.alert`s into what the dashboard shows. */
export class DashboardState {
  private readonly windowMs: number;
  private readonly staleAfterMs: number;
  private readonly maxAlerts: number;
  private readonly nodes = new Map<string, NodeEntry>();
  private readonly history: RateSample[] = [];
  private readonly alerts: AdminAlert[] = [];
  private seed: { metrics: MetricsSnapshot; topSymbols: DashboardView['topSymbols']; at: number } | null = null;

  constructor(options: DashboardStateOptions = {}) {
    this.windowMs = options.windowMs ?? 60_000;
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
    this.maxAlerts = options.maxAlerts ?? 100;
  }

  /** Figures to show before the first `admin.stats` arrives (from `admin.metrics` and `subscriptions.stats`). */
  seedWith(metrics: MetricsSnapshot, topSymbols: DashboardView['topSymbols'], now = Date.now()): void {
    this.seed = { metrics, topSymbols, at: now };
  }

  addStats(stats: AdminStats, now = Date.now()): void {
    const previous = this.nodes.get(stats.nodeId);
    let rate: RateSample | null = null;
    if (previous) {
      const seconds = (stats.timestamp - previous.stats.timestamp) / 1000;
      const before = messageTotals(previous.stats.metrics);
      const after = messageTotals(stats.metrics);
      // A counter that went down means the node restarted: no rate for this interval.
      if (seconds > 0 && after.in >= before.in && after.out >= before.out) {
        rate = { at: stats.timestamp, in: (after.in - before.in) / seconds, out: (after.out - before.out) / seconds };
      }
    }
    this.nodes.set(stats.nodeId, { stats, receivedAt: now, rate });
    this.prune(now);
    const total = this.totalRate();
    if (total) {
      this.history.push({ ...total, at: now });
      while (this.history.length > 0 && (this.history[0]?.at ?? now) < now - this.windowMs) this.history.shift();
    }
  }

  addAlert(alert: AdminAlert): void {
    this.alerts.push(alert);
    if (this.alerts.length > this.maxAlerts) this.alerts.shift();
  }

  view(now = Date.now()): DashboardView {
    this.prune(now);
    const entries = [...this.nodes.values()];
    if (entries.length === 0) return this.seedView();
    const namespaces: Record<string, NamespaceMetrics> = {};
    const symbols = new Map<string, number>();
    const view: DashboardView = {
      nodes: entries.map((e) => e.stats.nodeId).sort(),
      updatedAt: Math.max(...entries.map((e) => e.receivedAt)),
      connections: { current: 0, total: 0 },
      namespaces,
      rate: this.totalRate(),
      history: [...this.history],
      latency: { avg: 0, p50: 0, p95: 0, p99: 0 },
      pingRtt: null,
      errors: { total: 0, rate: 0 },
      topSymbols: [],
      rateLimitRejections: 0,
      maintenance: null,
      eventLoopLagMs: 0,
      alerts: [...this.alerts],
      activeAlerts: [],
    };
    for (const { stats } of entries) {
      const m = stats.metrics;
      view.connections.current += m.connections.current;
      view.connections.total += m.connections.total;
      for (const [name, ns] of Object.entries(m.namespaces)) {
        const sum = namespaces[name] ?? { connections: 0, messagesIn: 0, messagesOut: 0, subscriptions: 0 };
        namespaces[name] = sum;
        sum.connections += ns.connections;
        sum.messagesIn += ns.messagesIn;
        sum.messagesOut += ns.messagesOut;
        sum.subscriptions += ns.subscriptions;
      }
      view.latency = {
        avg: Math.max(view.latency.avg, m.latency.avg),
        p50: Math.max(view.latency.p50, m.latency.p50),
        p95: Math.max(view.latency.p95, m.latency.p95),
        p99: Math.max(view.latency.p99, m.latency.p99),
      };
      if (m.pingRtt) {
        const worst = view.pingRtt ?? { avg: 0, p50: 0, p95: 0, p99: 0 };
        view.pingRtt = {
          avg: Math.max(worst.avg, m.pingRtt.avg),
          p50: Math.max(worst.p50, m.pingRtt.p50),
          p95: Math.max(worst.p95, m.pingRtt.p95),
          p99: Math.max(worst.p99, m.pingRtt.p99),
        };
      }
      // Reports of older gateways carry no alerts.
      for (const alert of stats.alerts ?? []) view.activeAlerts.push({ nodeId: stats.nodeId, ...alert });
      view.errors.total += m.errors.total;
      view.errors.rate += m.errors.rate;
      for (const s of stats.topSymbols) symbols.set(s.symbol, (symbols.get(s.symbol) ?? 0) + s.subscribers);
      view.rateLimitRejections = (view.rateLimitRejections ?? 0) + stats.rateLimitRejections;
      // Maintenance is cluster-wide; any node that reports it enabled wins.
      if (!view.maintenance || stats.maintenance.enabled) view.maintenance = stats.maintenance;
      view.eventLoopLagMs = Math.max(view.eventLoopLagMs ?? 0, stats.eventLoopLagMs);
    }
    view.activeAlerts.sort((a, b) => a.timestamp - b.timestamp);
    view.topSymbols = [...symbols]
      .map(([symbol, subscribers]) => ({ symbol, subscribers }))
      .sort((a, b) => b.subscribers - a.subscribers || a.symbol.localeCompare(b.symbol));
    return view;
  }

  private seedView(): DashboardView {
    const m = this.seed?.metrics;
    return {
      nodes: [],
      updatedAt: this.seed?.at ?? null,
      connections: m ? { ...m.connections } : { current: 0, total: 0 },
      namespaces: m ? structuredClone(m.namespaces) : {},
      rate: null,
      history: [...this.history],
      latency: m ? { ...m.latency } : { avg: 0, p50: 0, p95: 0, p99: 0 },
      pingRtt: m?.pingRtt ? { ...m.pingRtt } : null,
      errors: m ? { ...m.errors } : { total: 0, rate: 0 },
      topSymbols: this.seed ? [...this.seed.topSymbols] : [],
      rateLimitRejections: null,
      maintenance: null,
      eventLoopLagMs: null,
      alerts: [...this.alerts],
      activeAlerts: [],
    };
  }

  private totalRate(): RateSample | null {
    let rate: RateSample | null = null;
    for (const { rate: r } of this.nodes.values()) {
      if (!r) continue;
      rate = rate ? { at: Math.max(rate.at, r.at), in: rate.in + r.in, out: rate.out + r.out } : { ...r };
    }
    return rate;
  }

  private prune(now: number): void {
    for (const [id, entry] of this.nodes) if (now - entry.receivedAt > this.staleAfterMs) this.nodes.delete(id);
  }
}
