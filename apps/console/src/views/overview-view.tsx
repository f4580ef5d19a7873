import type { MetricsSnapshot } from '@ws/protocol';
import { formatMs, formatNumber } from '../format.js';
import { LineChart, type SeriesSpec } from '../line-chart.js';
import { type StatsHistory, WINDOW_MS } from '../stats-history.js';

interface OverviewProps {
  history: StatsHistory;
  /** Bumped on every `admin.stats`, so the view re-renders. */
  version: number;
  /** `admin.metrics` at login: figures to show before the first `admin.stats`. */
  seed: MetricsSnapshot;
}

const NAMESPACES = ['/prices', '/market', '/user', '/admin'];
const perSecond = (n: number) => `${formatNumber(n)}/s`;

/** Series of every code seen in the window under `prefix` (`err:` or `ref:`). */
function codes(history: StatsHistory, prefix: string, label: string): SeriesSpec[] {
  const keys = new Set<string>();
  for (const s of history.history()) for (const key of Object.keys(s.values)) if (key.startsWith(prefix)) keys.add(key);
  return [...keys].sort().map((key) => ({ key, label: `${label} ${key.slice(prefix.length)}` }));
}

/** `[key, label]` pairs as chart series. */
const pairs = (...list: [string, string][]): SeriesSpec[] => list.map(([key, label]) => ({ key, label }));

/** Every chart of the overview: title, series (keys of `StatsHistory` samples) and how values read. */
function charts(history: StatsHistory): [string, SeriesSpec[], (n: number) => string][] {
  return [
    ['Connections per namespace', pairs(...NAMESPACES.map((ns): [string, string] => [`conn:${ns}`, ns])), formatNumber],
    ['Messages per second', pairs(['in', 'in'], ['out', 'out']), formatNumber],
    ['Propagation latency', pairs(['p50', 'p50'], ['p99', 'p99']), formatMs],
    ['Heartbeat round trip', pairs(['rtt50', 'p50'], ['rtt99', 'p99']), formatMs],
    [
      'Errors and refusals per second, by code',
      [...codes(history, 'err:', 'error'), ...codes(history, 'ref:', 'refused')],
      formatNumber,
    ],
    ['Rate-limit rejections per second', pairs(['rl', 'rejected']), formatNumber],
    ['Event-loop lag (worst node)', pairs(['lag', 'lag']), formatMs],
    ['Slow consumers', pairs(['slow', 'held']), formatNumber],
    ['Conflated broadcasts per second', pairs(['conf', 'conflated']), formatNumber],
  ];
}

export function OverviewView({ history, seed }: OverviewProps) {
  const now = Date.now();
  const samples = history.history();
  const reported = samples.length > 0;
  const v = history.current(now);
  const tiles: [string, string, string][] = [
    ['connections', 'Connections', formatNumber(reported ? (v['connections'] ?? 0) : seed.connections.current)],
    ['in', 'Messages in', perSecond(v['in'] ?? 0)],
    ['out', 'Messages out', perSecond(v['out'] ?? 0)],
    ['p50', 'Latency p50', formatMs(reported ? (v['p50'] ?? 0) : seed.latency.p50)],
    ['p99', 'Latency p99', formatMs(reported ? (v['p99'] ?? 0) : seed.latency.p99)],
    ['rtt99', 'Ping RTT p99', formatMs(reported ? (v['rtt99'] ?? 0) : (seed.pingRtt?.p99 ?? 0))],
    ['lag', 'Event-loop lag', formatMs(v['lag'] ?? 0)],
    ['slow', 'Slow consumers', formatNumber(v['slow'] ?? 0)],
    ['nodes', 'Nodes reporting', formatNumber(history.latest(now).length)],
    ['alerts', 'Alerts firing', formatNumber(v['alerts'] ?? 0)],
  ];
  const chart = (title: string, series: SeriesSpec[], format: (n: number) => string) => (
    <LineChart
      key={title}
      title={title}
      series={series}
      samples={samples}
      now={now}
      windowMs={WINDOW_MS}
      format={format}
    />
  );
  return (
    <section aria-labelledby="overview-title">
      <h2 id="overview-title">Overview</h2>
      <dl class="tiles">
        {tiles.map(([id, label, value]) => (
          <div key={id} class="tile" data-testid={`tile-${id}`}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {reported ? null : <p class="help">Waiting for the first report of the nodes (admin.stats)…</p>}
      <div class="charts">{charts(history).map(([title, series, format]) => chart(title, series, format))}</div>
    </section>
  );
}
