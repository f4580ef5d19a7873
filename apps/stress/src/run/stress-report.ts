import type { StatsAggregate } from '../clients/client-stats.js';
import type { GatewayUsage } from '../measure/gateway-metrics.js';
import { type LatencySummary, summarize } from '../measure/histogram.js';
import type { PublisherStats } from '../publish/publisher.js';
import type { StressOptions, Thresholds } from './stress-options.js';

/** One broken threshold. */
export interface Violation {
  threshold: keyof Thresholds;
  limit: number;
  actual: number;
}

/** The run's result, as printed and as written by `--json`. */
export interface StressReport {
  tool: '@ws/stress';
  reportVersion: 1;
  startedAt: string;
  finishedAt: string;
  /** Why the run ended: it completed, or was interrupted. */
  outcome: 'completed' | 'interrupted';
  config: {
    url: string;
    clients: number;
    durationSec: number;
    rampUpSec: number;
    namespaces: string[];
    symbols: string[];
    symbolsPerClient: number;
    channels: string[];
    publishRate: number;
    mode: string;
    workers: number;
  };
  connections: {
    target: number;
    attempts: number;
    connected: number;
    failed: number;
    failuresByCode: Record<string, number>;
    reconnects: number;
    drops: number;
    timeMs: LatencySummary;
    /** Connects per second while connecting. */
    perSecond: number;
  };
  messages: {
    total: number;
    /** Delivered messages per second over the measured window. */
    perSecond: number;
    byNamespace: Record<string, { total: number; perSecond: number }>;
    byEvent: Record<string, number>;
  };
  /** End to end, from the publisher's stamp to receipt (ms). */
  latencyMs: LatencySummary;
  seqGaps: { events: number; missed: number };
  errors: { total: number; rate: number; byCode: Record<string, number> };
  publisher: (PublisherStats & { targetRate: number }) | null;
  gateway: GatewayUsage | null;
  thresholds: Thresholds & { passed: boolean; violations: Violation[] };
}

export interface ReportInput {
  options: StressOptions;
  startedAt: Date;
  finishedAt: Date;
  interrupted: boolean;
  all: StatsAggregate;
  measured: StatsAggregate;
  measuredSec: number;
  connectSec: number;
  connectedAtEnd: number;
  publisher: PublisherStats | null;
  gateway: GatewayUsage | null;
}

const perSec = (n: number, sec: number) => (sec > 0 ? Math.round((n / sec) * 10) / 10 : 0);

export function checkThresholds(t: Thresholds, r: Omit<StressReport, 'thresholds'>): Violation[] {
  const v: Violation[] = [];
  if (t.maxP99Ms !== undefined && r.latencyMs.p99 > t.maxP99Ms)
    v.push({ threshold: 'maxP99Ms', limit: t.maxP99Ms, actual: r.latencyMs.p99 });
  if (t.maxErrorRate !== undefined && r.errors.rate > t.maxErrorRate)
    v.push({ threshold: 'maxErrorRate', limit: t.maxErrorRate, actual: r.errors.rate });
  if (t.minMessagesPerSec !== undefined && r.messages.perSecond < t.minMessagesPerSec) {
    v.push({ threshold: 'minMessagesPerSec', limit: t.minMessagesPerSec, actual: r.messages.perSecond });
  }
  if (t.maxConnectP99Ms !== undefined && r.connections.timeMs.p99 > t.maxConnectP99Ms) {
    v.push({ threshold: 'maxConnectP99Ms', limit: t.maxConnectP99Ms, actual: r.connections.timeMs.p99 });
  }
  if (t.maxRefusedConnections !== undefined && r.connections.failed > t.maxRefusedConnections)
    v.push({ threshold: 'maxRefusedConnections', limit: t.maxRefusedConnections, actual: r.connections.failed });
  if (t.maxGaps !== undefined && r.seqGaps.events > t.maxGaps)
    v.push({ threshold: 'maxGaps', limit: t.maxGaps, actual: r.seqGaps.events });
  return v;
}

/** Builds the report; the error rate is failures (connects, requests, server errors, drops) over operations. */
export function buildReport(input: ReportInput): StressReport {
  const { options: o, all, measured } = input;
  const failed = all.connectFailureCount;
  const operations = all.connectAttempts + all.requests + all.received;
  const byCode: Record<string, number> = { ...all.errors };
  for (const [k, v] of Object.entries(all.connectFailures)) byCode[`connect:${k}`] = v;
  if (all.drops > 0) byCode['DROPPED'] = all.drops;
  const errorTotal = all.errorCount;
  const base: Omit<StressReport, 'thresholds'> = {
    tool: '@ws/stress',
    reportVersion: 1,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    outcome: input.interrupted ? 'interrupted' : 'completed',
    config: {
      url: o.url,
      clients: o.clients,
      durationSec: o.durationSec,
      rampUpSec: o.rampUpSec,
      namespaces: o.namespaces,
      symbols: o.symbols,
      symbolsPerClient: o.symbolsPerClient,
      channels: o.channels,
      publishRate: o.publishRate,
      mode: o.mode,
      workers: o.workers,
    },
    connections: {
      target: o.clients * (o.mode === 'lean' ? o.namespaces.length : 1),
      attempts: all.connectAttempts,
      connected: input.connectedAtEnd,
      failed,
      failuresByCode: all.connectFailures,
      reconnects: all.reconnects,
      drops: all.drops,
      timeMs: summarize(all.connectHistogram),
      perSecond: perSec(all.connectAttempts - failed, input.connectSec),
    },
    messages: {
      total: measured.received,
      perSecond: perSec(measured.received, input.measuredSec),
      byNamespace: Object.fromEntries(
        Object.entries(measured.byNamespace).map(([ns, n]) => [
          ns,
          { total: n, perSecond: perSec(n, input.measuredSec) },
        ]),
      ),
      byEvent: measured.byEvent,
    },
    latencyMs: summarize(measured.latencyHistogram),
    seqGaps: { events: all.gapEvents, missed: all.gapMissed },
    errors: { total: errorTotal, rate: operations > 0 ? errorTotal / operations : 0, byCode },
    publisher: input.publisher
      ? { ...input.publisher, maxLagMs: Math.round(input.publisher.maxLagMs), targetRate: o.publishRate }
      : null,
    gateway: input.gateway,
  };
  const violations = checkThresholds(o.thresholds, base);
  return { ...base, thresholds: { ...o.thresholds, passed: violations.length === 0, violations } };
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
const mb = (b: number | undefined) => (b === undefined ? '-' : `${fmt(Math.round(b / 1024 / 1024))} MB`);

/** What to change on the target (or in the run) for each way connections were refused. */
const REFUSAL_ADVICE: Record<string, string> = {
  RATE_LIMITED:
    'the handshake rate limit: raise WS_HANDSHAKE_RATE_LIMIT_POINTS (or WS_HANDSHAKE_RATE_LIMIT_DURATION) on the target, or --ramp-up',
  LIMIT_EXCEEDED: 'a connection cap: raise the per-IP / per-user connection caps on the target',
  MAINTENANCE: 'the target is in maintenance: pnpm admin maintenance off',
  UNAUTHORIZED: 'tokens: pass the target’s --token-secret (WS_JWT_SECRET)',
  FORBIDDEN: 'tokens: the role is not allowed on that namespace',
  TIMEOUT: 'no answer in time: the target is overloaded or unreachable; raise --timeout or lower --concurrency',
};

/** One line: why connections were refused and what to change, per refusal code. */
export function refusalAdvice(byCode: Record<string, number>): string {
  return Object.entries(byCode)
    .sort(([, a], [, b]) => b - a)
    .map(([code, n]) => `${n} ${code}: ${REFUSAL_ADVICE[code] ?? 'see the target’s logs (refusals are logged)'}`)
    .join('; ');
}

/** The final human-readable table. */
export function formatReport(r: StressReport): string {
  const l = r.latencyMs;
  const c = r.connections.timeMs;
  const rows: [string, string][] = [
    ['outcome', r.outcome],
    [
      'clients',
      `${fmt(r.connections.connected)} connected of ${fmt(r.connections.target)} (${r.config.mode}, ${r.config.namespaces.join(' ')})`,
    ],
    [
      'connect failures',
      r.connections.failed === 0 ? '0' : `${r.connections.failed} ${JSON.stringify(r.connections.failuresByCode)}`,
    ],
    [
      'connect time ms',
      `p50 ${c.p50}  p90 ${c.p90}  p99 ${c.p99}  max ${c.max}  (${fmt(r.connections.perSecond)} conn/s)`,
    ],
    ['reconnects / drops', `${r.connections.reconnects} / ${r.connections.drops}`],
    ['messages', `${fmt(r.messages.total)} in ${r.config.durationSec}s = ${fmt(r.messages.perSecond)} msg/s`],
    ...Object.entries(r.messages.byNamespace).map(([ns, v]): [string, string] => [
      `  ${ns}`,
      `${fmt(v.total)} = ${fmt(v.perSecond)} msg/s`,
    ]),
    ['latency ms', `p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}  (n=${fmt(l.count)})`],
    ['seq gaps', `${r.seqGaps.events} (${r.seqGaps.missed} missed)`],
    [
      'errors',
      `${r.errors.total} (rate ${r.errors.rate.toExponential(2)}) ${r.errors.total > 0 ? JSON.stringify(r.errors.byCode) : ''}`,
    ],
  ];
  if (r.publisher) {
    const p = r.publisher;
    rows.push([
      'publisher',
      `target ${fmt(p.targetRate)}/s  offered ${fmt(p.offered)}  accepted ${fmt(p.accepted)}  failed ${fmt(p.failed)}  max lag ${p.maxLagMs} ms`,
    ]);
  }
  if (r.gateway) {
    const g = r.gateway;
    rows.push([
      'gateway',
      g.samples === 0
        ? `no /metrics samples${g.error ? ` (${g.error})` : ''}`
        : `cpu avg ${g.cpuPercent?.avg ?? '-'}% max ${g.cpuPercent?.max ?? '-'}%  rss max ${mb(g.rssBytes?.max)}  loop lag p99 max ${g.eventLoopLagP99Ms?.max ?? '-'} ms`,
    ]);
  }
  rows.push([
    'thresholds',
    r.thresholds.passed
      ? 'passed'
      : `FAILED: ${r.thresholds.violations.map((v) => `${v.threshold} limit ${v.limit}, actual ${v.actual}`).join('; ')}`,
  ]);
  if (r.thresholds.violations.some((v) => v.threshold === 'maxRefusedConnections')) {
    rows.push(['refused', refusalAdvice(r.connections.failuresByCode)]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}
