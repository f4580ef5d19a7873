import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { closeAll, collect, connect, request, TEST_SECRET } from '@ws/test-support';
import { type GatewayProcess, startGatewayProcess } from '@ws/test-support/gateway';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { parseExposition } from './helpers/prometheus.js';

// Debian's `prometheus` package provides promtool (.ci/run installs it when missing).
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

interface RuleFile {
  groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[];
}
const rules = parse(read('deploy/prometheus/rules.yml')) as RuleFile;
const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
const recorded = new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));

interface Dashboard {
  panels: { title: string; type: string; targets?: { expr: string }[] }[];
  templating: { list: { name: string; query?: unknown }[] };
}
const dashboard = JSON.parse(read('deploy/grafana/dashboards/ws-gateway.json')) as Dashboard;
const dashboardExprs = [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dashboard.templating.list.flatMap((v) =>
    typeof v.query === 'object' && v.query !== null ? [String((v.query as { query: string }).query)] : [],
  ),
];

/** Grafana's variables replaced by values Prometheus accepts. */
const asPromql = (expr: string) => expr.replace(/\$__rate_interval/g, '5m').replace(/\$\w+/g, '.*');

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression (or a Grafana `label_values(metric, label)`) reads. */
export function metricNames(expr: string): string[] {
  const labelValues = /^label_values\(\s*([a-zA-Z_:][\w:]*)/.exec(expr);
  if (labelValues) return [labelValues[1] ?? ''];
  const stripped = asPromql(expr)
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // grouping labels
    .replace(/\boffset\s+\w+/g, '');
  const names: string[] = [];
  for (const m of stripped.matchAll(/([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name = '', call] = m;
    if (call || KEYWORDS.has(name.toLowerCase())) continue;
    names.push(name);
  }
  return [...new Set(names)];
}

describe('deploy/prometheus rules', () => {
  it('pass `promtool check rules` and their unit tests (`promtool test rules`)', async () => {
    await run('promtool', ['check', 'rules', `${root}deploy/prometheus/rules.yml`]);
    const { stdout } = await run('promtool', ['test', 'rules', `${root}deploy/prometheus/tests/rules.test.yml`]);
    expect(stdout).toContain('SUCCESS');
  });

  it('alert on what the issue lists', () => {
    const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    expect(alerts).toEqual(
      expect.arrayContaining([
        'WsConnectionsDropping',
        'WsHighErrorRate',
        'WsEventLoopLagHigh',
        'WsSlowConsumers',
        'WsRedisDown',
        'WsPublishFailures',
        'WsPropagationLatencyHigh',
      ]),
    );
  });
});

describe('deploy/grafana dashboard', () => {
  it('is valid PromQL throughout (each expression checked by promtool as a rule)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ws-dashboard-'));
    try {
      const file = join(dir, 'dashboard-exprs.yml');
      const exprs = dashboardExprs.filter((e) => !e.startsWith('label_values('));
      const body = {
        groups: [
          {
            name: 'dashboard',
            rules: exprs.map((expr, i) => ({ record: `dashboard:expr_${i}`, expr: asPromql(expr) })),
          },
        ],
      };
      await writeFile(file, JSON.stringify(body));
      await run('promtool', ['check', 'rules', file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('covers connections, messages, latency, errors, refusals, limits, slow consumers, conflation, Redis, event loop and memory', () => {
    const all = dashboardExprs.join('\n');
    for (const name of [
      'ws_connections',
      'ws_messages_sent_total',
      'ws_messages_received_total',
      'ws_broadcast_latency_seconds_bucket',
      'ws_errors_total',
      'ws_connection_refusals_total',
      'ws_rate_limited_total',
      'SLOW_CONSUMER',
      'ws_messages_conflated_total',
      'ws_redis_up',
      'ws_event_loop_lag_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(all).toContain(name);
    }
  });
});

describe('every metric the dashboard and the rules read is exported by a live gateway', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGatewayProcess({ WS_JWT_SECRET: TEST_SECRET, WS_DEMO_FEED_INTERVAL_MS: '50' });
  });
  afterAll(async () => {
    await gateway?.kill();
  });

  it('finds each name (recording rules: defined in rules.yml) with samples, after some traffic', async () => {
    // Traffic, so that labelled series exist: subscriptions, deliveries, a ping, an error, a refused connection.
    const prices = await connect(gateway.url, '/prices');
    const market = await connect(gateway.url, '/market');
    const updates = collect(prices, 'price.update');
    expect((await request(prices, 'subscribe', { symbols: ['BTC/USDT', 'ETH/USDT'] })).ok).toBe(true);
    expect((await request(market, 'subscribe', { channels: ['ticker', 'depth'], symbols: ['BTC/USDT'] })).ok).toBe(
      true,
    );
    expect((await request(prices, 'subscribe', { symbols: 'not a list' })).ok).toBe(false);
    await request(prices, 'ping', {});
    await expect(connect(gateway.url, '/user')).rejects.toThrow();
    await vi.waitFor(() => expect(updates.length).toBeGreaterThan(5), { timeout: 15_000, interval: 50 });

    const names = new Set([...ruleExprs, ...dashboardExprs].flatMap(metricNames));
    expect(names.size).toBeGreaterThan(15);
    const metrics = parseExposition(await (await fetch(`${gateway.url}/metrics`)).text());
    const sampled = new Set(metrics.samples.map((s) => s.name));
    const missing: string[] = [];
    for (const name of names) {
      if (name.includes(':')) {
        if (!recorded.has(name)) missing.push(`${name} (no such recording rule in rules.yml)`);
      } else if (name === 'up') {
        // Prometheus's own per-target series.
      } else if (!sampled.has(name)) missing.push(name);
    }
    expect(missing, 'metrics the dashboard or the rules read that the gateway does not export').toEqual([]);
    closeAll([prices, market]);
  });
});
