import type { AdminAlert, AdminStats } from '@ws/protocol';

/** How far back the charts go. */
export const WINDOW_MS = 15 * 60_000;
/** A node that has not reported for this long no longer counts in the cluster's figures. */
export const STALE_AFTER_MS = 30_000;

/**
 * One point in time of the cluster's figures, keyed by series: `conn:<namespace>`, `in`, `out`
 * (messages per second), `p50`, `p99` (propagation, ms), `rtt50`, `rtt99` (heartbeat round trip, ms), `err:<code>`, `ref:<code>`, `rl`, `conf` (per second),
 * `lag` (ms), `slow` (connections).
 */
export interface Sample {
  t: number;
  values: Record<string, number>;
}

interface NodeEntry {
  stats: AdminStats;
  receivedAt: number;
  /** Per-second rates since the node's previous report; null for its first one or after a restart. */
  rates: Record<string, number> | null;
}

function totals(stats: AdminStats): Record<string, number> {
  const out: Record<string, number> = { in: 0, out: 0, rl: stats.rateLimitRejections, conf: stats.conflated ?? 0 };
  for (const ns of Object.values(stats.metrics.namespaces)) {
    out['in'] = (out['in'] ?? 0) + ns.messagesIn;
    out['out'] = (out['out'] ?? 0) + ns.messagesOut;
  }
  for (const [code, n] of Object.entries(stats.errorsByCode ?? {})) out[`err:${code}`] = n;
  for (const [code, n] of Object.entries(stats.refusalsByCode ?? {})) out[`ref:${code}`] = n;
  return out;
}

function ratesBetween(before: AdminStats, after: AdminStats): Record<string, number> | null {
  const seconds = (after.timestamp - before.timestamp) / 1000;
  if (!(seconds > 0)) return null;
  const a = totals(before);
  const b = totals(after);
  const rates: Record<string, number> = {};
  for (const [key, value] of Object.entries(b)) {
    const delta = value - (a[key] ?? 0);
    // A counter that went down: the node restarted, this interval has no rate.
    if (delta < 0) return null;
    rates[key] = delta / seconds;
  }
  return rates;
}

/** Folds the `admin.stats` of every node into one cluster-wide series over the last 15 minutes. */
export class StatsHistory {
  private readonly nodes = new Map<string, NodeEntry>();
  private readonly samples: Sample[] = [];

  add(stats: AdminStats, now = Date.now()): void {
    const previous = this.nodes.get(stats.nodeId);
    const rates = previous ? ratesBetween(previous.stats, stats) : null;
    this.nodes.set(stats.nodeId, { stats, receivedAt: now, rates });
    this.samples.push({ t: now, values: this.current(now) });
    while ((this.samples[0]?.t ?? now) < now - WINDOW_MS) this.samples.shift();
  }

  /** The cluster's figures from the latest report of each node that is not stale. */
  current(now = Date.now()): Record<string, number> {
    const values: Record<string, number> = { in: 0, out: 0, rl: 0, conf: 0, slow: 0, p50: 0, p99: 0, lag: 0 };
    const add = (key: string, n: number) => {
      values[key] = (values[key] ?? 0) + n;
    };
    const max = (key: string, n: number) => {
      values[key] = Math.max(values[key] ?? 0, n);
    };
    for (const entry of this.live(now)) {
      const { stats } = entry;
      for (const [ns, m] of Object.entries(stats.metrics.namespaces)) add(`conn:${ns}`, m.connections);
      add('connections', stats.metrics.connections.current);
      add('slow', stats.slowConsumers ?? 0);
      // The worst node's latency and lag: an average would hide the node in trouble.
      max('p50', stats.metrics.latency.p50);
      max('p99', stats.metrics.latency.p99);
      max('rtt50', stats.metrics.pingRtt?.p50 ?? 0);
      max('rtt99', stats.metrics.pingRtt?.p99 ?? 0);
      add('alerts', stats.alerts?.length ?? 0);
      max('lag', stats.eventLoopLagMs);
      for (const [key, rate] of Object.entries(entry.rates ?? {})) add(key, rate);
    }
    return values;
  }

  history(): readonly Sample[] {
    return this.samples;
  }

  /** The latest report of each node that is not stale, by node id. */
  latest(now = Date.now()): AdminStats[] {
    return this.live(now)
      .map((e) => e.stats)
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  /** The alerts firing now on the nodes that report, oldest first (from `admin.stats`). */
  activeAlerts(now = Date.now()): AdminAlert[] {
    return this.live(now)
      .flatMap((e) => e.stats.alerts ?? [])
      .sort((a, b) => a.timestamp - b.timestamp);
  }

  /** When each node last reported. */
  lastSeen(): Map<string, number> {
    return new Map([...this.nodes].map(([id, e]) => [id, e.receivedAt]));
  }

  private live(now: number): NodeEntry[] {
    return [...this.nodes.values()].filter((e) => now - e.receivedAt <= STALE_AFTER_MS);
  }
}
