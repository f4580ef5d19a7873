import { compile, MetricsSnapshot, PUBLISHABLE_EVENT_NAMES } from '@ws/protocol';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRIC_DEFINITIONS, NO_NAMESPACE, WebSocketMetrics, type WebSocketMetricsOptions } from '../../src/index.js';
import { parseExposition } from './exposition.js';

const open: WebSocketMetrics[] = [];

function create(options: WebSocketMetricsOptions = {}): WebSocketMetrics {
  const metrics = new WebSocketMetrics({ collectDefaultMetrics: false, ...options });
  open.push(metrics);
  return metrics;
}

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

afterEach(() => {
  for (const m of open.splice(0)) m.close();
});

describe('getMetrics', () => {
  it('counts connections current and total per namespace', () => {
    const m = create();
    m.connectionOpened('/prices');
    m.connectionOpened('/prices');
    m.connectionOpened('/user');
    m.connectionClosed('/prices');
    m.connectionClosed('/admin'); // never below zero
    const s = m.getMetrics();
    expect(s.connections).toEqual({ current: 2, total: 3 });
    expect(s.namespaces['/prices']?.connections).toBe(1);
    expect(s.namespaces['/user']?.connections).toBe(1);
    expect(s.namespaces['/admin']?.connections).toBe(0);
    expect(Object.keys(s.namespaces).sort()).toEqual(['/admin', '/market', '/prices', '/user']);
  });

  it('counts messages in and out (per recipient) and subscriptions per namespace', () => {
    const m = create();
    m.messageIn('/prices', 'subscribe', 40);
    m.messageIn('/market', 'market.snapshot', 30);
    m.messageOut('/prices', 'price.update', 100, 25);
    m.messageOut('/user', 'order.new', 200);
    m.setSubscriptions('/prices', 12);
    const s = m.getMetrics();
    expect(s.messages.total).toBe(2 + 25 + 1);
    expect(s.namespaces['/prices']).toEqual({ connections: 0, messagesIn: 1, messagesOut: 25, subscriptions: 12 });
    expect(s.namespaces['/user']?.messagesOut).toBe(1);
    expect(s.namespaces['/market']?.messagesIn).toBe(1);
  });

  it('reports messages per second over a sliding window of complete seconds', () => {
    const clock = manualClock();
    const m = create({ now: clock.now, rateWindowSec: 5 });
    expect(m.getMetrics().messages.perSecond).toBe(0);
    for (let sec = 0; sec < 5; sec++) {
      for (let i = 0; i < 10; i++) m.messageIn('/prices', 'ping', 10);
      clock.advance(1000);
    }
    expect(m.getMetrics().messages.perSecond).toBe(10);
    // Messages in the still-filling second do not move the rate yet.
    m.messageOut('/prices', 'price.update', 10, 1000);
    expect(m.getMetrics().messages.perSecond).toBe(10);
    clock.advance(1000);
    expect(m.getMetrics().messages.perSecond).toBe((4 * 10 + 1000) / 5);
    // Five idle seconds later the window is empty again.
    clock.advance(5000);
    expect(m.getMetrics().messages.perSecond).toBe(0);
    expect(m.getMetrics().messages.total).toBe(1050);
  });

  it('averages over the elapsed seconds while the window is still filling', () => {
    const clock = manualClock();
    const m = create({ now: clock.now, rateWindowSec: 10 });
    for (let i = 0; i < 6; i++) m.messageIn('/user', 'ping', 1);
    clock.advance(2000);
    expect(m.getMetrics().messages.perSecond).toBe(3);
  });

  it('computes latency percentiles in ms from a histogram of recent observations', () => {
    const clock = manualClock();
    const m = create({ now: clock.now, rateWindowSec: 10 });
    // 1..100 ms, one recipient each.
    for (let ms = 1; ms <= 100; ms++) m.messageLatency('/prices', ms / 1000);
    const { latency, pingRtt } = m.getMetrics();
    // Ping round trips are their own figure, never mixed into propagation latency.
    expect(pingRtt).toEqual({ avg: 0, p50: 0, p95: 0, p99: 0 });
    expect(latency.avg).toBeCloseTo(50.5, 6);
    // Log-linear bins bound the relative error to 1/16.
    expect(Math.abs(latency.p50 - 50) / 50).toBeLessThan(1 / 16);
    expect(Math.abs(latency.p95 - 95) / 95).toBeLessThan(1 / 16);
    expect(Math.abs(latency.p99 - 99) / 99).toBeLessThan(1 / 16);
    expect(latency.p99).toBeLessThanOrEqual(100);
  });

  it('weighs a latency by its recipients: one frame written to many sockets is many deliveries', async () => {
    const clock = manualClock();
    const m = create({ now: clock.now });
    m.messageLatency('/prices', 0.002, 99);
    m.messageLatency('/prices', 0.2, 1);
    const { latency } = m.getMetrics();
    expect(Math.abs(latency.p95 - 2) / 2).toBeLessThan(1 / 16);
    expect(latency.p99).toBeLessThan(3);
    expect(latency.avg).toBeCloseTo((0.002 * 99 + 0.2) * 10, 6);
    const families = parseExposition(await m.exportPrometheusMetrics());
    const samples = families.get('ws_broadcast_latency_seconds')?.samples ?? [];
    const sample = (name: string, le?: string) =>
      samples.find((s) => s.name === name && s.labels.namespace === '/prices' && s.labels.le === le)?.value;
    expect(sample('ws_broadcast_latency_seconds_count')).toBe(100);
    expect(sample('ws_broadcast_latency_seconds_bucket', '0.0025')).toBe(99);
    expect(sample('ws_broadcast_latency_seconds_bucket', '+Inf')).toBe(100);
    expect(sample('ws_broadcast_latency_seconds_sum')).toBeCloseTo(0.002 * 99 + 0.2, 9);
  });

  it('reports ping round trips apart from latency', () => {
    const m = create();
    m.observePingRtt(0.004);
    m.observePingRtt(0.004);
    const { latency, pingRtt } = m.getMetrics();
    expect(latency).toEqual({ avg: 0, p50: 0, p95: 0, p99: 0 });
    expect(pingRtt?.avg).toBeCloseTo(4, 6);
  });

  it('forgets latency observations older than the window, unlike a running average', () => {
    const clock = manualClock();
    const m = create({ now: clock.now, rateWindowSec: 3 });
    for (let i = 0; i < 100; i++) m.messageLatency('/user', 0.5);
    clock.advance(3000);
    for (let i = 0; i < 10; i++) m.messageLatency('/user', 0.002);
    const { latency } = m.getMetrics();
    expect(latency.avg).toBeCloseTo(2, 6);
    expect(latency.p99).toBeCloseTo(2, 6);
    clock.advance(3000);
    expect(m.getMetrics().latency).toEqual({ avg: 0, p50: 0, p95: 0, p99: 0 });
  });

  it('ignores invalid numbers instead of throwing or poisoning the figures', () => {
    const m = create();
    m.observePingRtt(Number.NaN);
    m.observePingRtt(-1);
    m.broadcast('/prices', 'price.update', Number.NaN);
    m.messageLatency('/prices', Number.POSITIVE_INFINITY);
    m.messageLatency('/prices', 0.001, Number.NaN);
    m.messageOut('/prices', 'price.update', Number.NaN, -5);
    m.messageIn('/prices', 'ping', -3);
    m.setSubscriptions('/market', Number.NaN);
    const s = m.getMetrics();
    expect(s.latency).toEqual({ avg: 0, p50: 0, p95: 0, p99: 0 });
    expect(s.messages.total).toBe(1);
    expect(s.namespaces['/market']?.subscriptions).toBe(0);
  });

  it('counts errors and their rate per second', () => {
    const clock = manualClock();
    const m = create({ now: clock.now, rateWindowSec: 2 });
    m.error('INVALID_PAYLOAD', '/prices');
    m.error('INTERNAL');
    m.error('made-up-code', '/market');
    m.error('RATE_LIMITED', '/user');
    clock.advance(1000);
    m.error('INTERNAL');
    clock.advance(1000);
    expect(m.getMetrics().errors).toEqual({ total: 5, rate: 2.5 });
  });

  it('counters() totals errors and refusals by code over every namespace, and conflated broadcasts', () => {
    const m = create();
    expect(m.counters()).toEqual({ errorsByCode: {}, refusalsByCode: {}, conflated: 0 });
    m.error('RATE_LIMITED', '/prices');
    m.error('RATE_LIMITED', '/market');
    m.error('INTERNAL');
    m.error('made-up');
    m.connectionRefused('/admin', 'FORBIDDEN');
    m.connectionRefused('/user', 'MAINTENANCE');
    m.connectionRefused('/prices', 'MAINTENANCE');
    m.messageConflated('/prices', 'price.update');
    m.messageConflated('/market', 'market.ticker');
    expect(m.counters()).toEqual({
      errorsByCode: { RATE_LIMITED: 2, INTERNAL: 1, other: 1 },
      refusalsByCode: { FORBIDDEN: 1, MAINTENANCE: 2 },
      conflated: 2,
    });
    m.reset();
    expect(m.counters()).toEqual({ errorsByCode: {}, refusalsByCode: {}, conflated: 0 });
  });

  it('validates against the protocol schema', async () => {
    const m = create();
    m.connectionOpened('/prices');
    m.messageIn('/nowhere', 'ping', 1);
    m.observePingRtt(0.001);
    const snapshot = m.getMetrics();
    expect(snapshot.namespaces.other?.messagesIn).toBe(1);
    expect(compile(MetricsSnapshot).validate(snapshot)).toEqual({ ok: true, value: snapshot });
  });

  it('reset zeroes every figure', async () => {
    const m = create();
    m.connectionOpened('/prices');
    m.messageOut('/prices', 'price.update', 10, 3);
    m.error('INTERNAL');
    m.observePingRtt(0.01);
    m.messageLatency('/prices', 0.01, 3);
    m.reset();
    const s = m.getMetrics();
    expect(s.connections).toEqual({ current: 0, total: 0 });
    expect(s.messages.total).toBe(0);
    expect(s.errors.total).toBe(0);
    expect(s.latency.p99).toBe(0);
    expect(s.pingRtt?.p99).toBe(0);
    const text = await m.exportPrometheusMetrics();
    expect(text).not.toMatch(/ws_messages_sent_total\{/);
    expect(text).toMatch(/ws_connections_opened_total\{namespace="\/prices"\} 0/);
  });
});

describe('exportPrometheusMetrics', () => {
  async function exercised(options: WebSocketMetricsOptions = {}) {
    const m = create({ nodeId: 'node-a', ...options });
    m.connectionAttempt('/prices');
    m.connectionAttempt('/admin');
    m.connectionRefused('/admin', 'UNAUTHORIZED');
    m.connectionRefused(NO_NAMESPACE, 'FORBIDDEN');
    m.connectionRefused('/', 'NOT_FOUND');
    m.connectionOpened('/prices');
    m.messageIn('/prices', 'subscribe', 52);
    m.messageOut('/prices', 'price.update', 120, 4);
    m.broadcast('/prices', 'price.update', 4);
    m.messageLatency('/prices', 0.0007);
    m.messageConflated('/prices', 'price.update');
    m.messageConflated('/prices', 'price.update');
    m.messageConflated('/market', 'not-an-event');
    m.observePingRtt(0.003);
    m.error('INVALID_PAYLOAD', '/prices');
    m.error('INTERNAL');
    m.rateLimited('/market');
    m.setSubscriptions('/prices', 2);
    m.setRedisStatus(true);
    return { m, families: parseExposition(await m.exportPrometheusMetrics()) };
  }

  it('counts cluster bus messages and bytes per namespace, and exports none for a namespace that received none', async () => {
    const m = new WebSocketMetrics();
    m.busMessageReceived('/prices', 120);
    m.busMessageReceived('/prices', 80);
    m.busMessageReceived('/user', 50);
    const text = await m.exportPrometheusMetrics();
    expect(text).toContain('ws_bus_messages_received_total{namespace="/prices"} 2');
    expect(text).toContain('ws_bus_received_bytes_total{namespace="/prices"} 200');
    expect(text).toContain('ws_bus_messages_received_total{namespace="/user"} 1');
    expect(text).not.toContain('ws_bus_messages_received_total{namespace="/market"}');
    m.close();
  });

  it('writes valid exposition text with HELP and TYPE for every ws_ family and conventional names', async () => {
    const { families } = await exercised();
    const ws = [...families.values()].filter((f) => f.name.startsWith('ws_'));
    expect(ws.map((f) => f.name).sort()).toEqual(
      [
        'ws_broadcast_fanout',
        'ws_broadcast_latency_seconds',
        'ws_broadcasts_total',
        'ws_bus_messages_received_total',
        'ws_bus_received_bytes_total',
        'ws_connection_attempts_total',
        'ws_connection_refusals_total',
        'ws_connections',
        'ws_connections_opened_total',
        'ws_errors_total',
        'ws_event_loop_lag_seconds',
        'ws_messages_conflated_total',
        'ws_messages_received_bytes_total',
        'ws_messages_received_total',
        'ws_messages_sent_bytes_total',
        'ws_messages_sent_total',
        'ws_node_info',
        'ws_ping_rtt_seconds',
        'ws_rate_limited_total',
        'ws_redis_up',
        'ws_subscriptions',
      ].sort(),
    );
    for (const f of ws) {
      expect(f.help.length, f.name).toBeGreaterThan(0);
      expect(f.type, f.name).not.toBe('untyped');
      if (f.type === 'counter') expect(f.name).toMatch(/_total$/);
      else expect(f.name).not.toMatch(/_total$/);
      if (/latency|rtt|lag/.test(f.name)) expect(f.name).toMatch(/_seconds$/);
      if (/bytes/.test(f.name)) expect(f.name).toMatch(/_bytes_total$/);
    }
  });

  it('exports exactly the metrics of METRIC_DEFINITIONS, with their type, help and label names', async () => {
    const { families } = await exercised({ rateWindowSec: 7 });
    const ws = [...families.values()].filter((f) => f.name.startsWith('ws_'));
    expect(ws.map((f) => f.name)).toEqual(Object.keys(METRIC_DEFINITIONS).map((name) => `ws_${name}`));
    for (const [name, def] of Object.entries(METRIC_DEFINITIONS)) {
      const family = families.get(`ws_${name}`);
      expect(family?.type, name).toBe(def.type);
      expect(family?.help, name).toBe(def.help.replace('{window}', '7'));
      const labels = new Set(family?.samples.flatMap((s) => Object.keys(s.labels)).filter((l) => l !== 'le'));
      if (family?.samples.length) expect([...labels].sort(), name).toEqual([...def.labels].sort());
    }
    expect(families.get('ws_event_loop_lag_seconds')?.help).toBe('p99 event-loop delay over the last 7 s.');
  });

  it('carries the recorded values', async () => {
    const { families } = await exercised();
    const value = (family: string, labels: Record<string, string>, sample = family) =>
      families
        .get(family)
        ?.samples.find((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value('ws_connections', { namespace: '/prices' })).toBe(1);
    expect(value('ws_connection_attempts_total', { namespace: '/admin' })).toBe(1);
    expect(value('ws_connection_refusals_total', { namespace: '/admin', code: 'UNAUTHORIZED' })).toBe(1);
    // Refused at the Engine.IO request (no namespace yet), and on a namespace the gateway does not serve.
    expect(value('ws_connection_refusals_total', { namespace: 'none', code: 'FORBIDDEN' })).toBe(1);
    expect(value('ws_connection_refusals_total', { namespace: 'other', code: 'NOT_FOUND' })).toBe(1);
    expect(value('ws_messages_received_total', { namespace: '/prices', event: 'subscribe' })).toBe(1);
    expect(value('ws_messages_received_bytes_total', { namespace: '/prices', event: 'subscribe' })).toBe(52);
    expect(value('ws_messages_sent_total', { namespace: '/prices', event: 'price.update' })).toBe(4);
    expect(value('ws_messages_sent_bytes_total', { namespace: '/prices', event: 'price.update' })).toBe(480);
    expect(value('ws_broadcasts_total', { namespace: '/prices', event: 'price.update' })).toBe(1);
    expect(value('ws_messages_conflated_total', { namespace: '/prices', event: 'price.update' })).toBe(2);
    expect(value('ws_messages_conflated_total', { namespace: '/market', event: 'other' })).toBe(1);
    expect(value('ws_broadcast_fanout', { namespace: '/prices', le: '5' }, 'ws_broadcast_fanout_bucket')).toBe(1);
    expect(
      value(
        'ws_broadcast_latency_seconds',
        { namespace: '/prices', le: '0.001' },
        'ws_broadcast_latency_seconds_bucket',
      ),
    ).toBe(1);
    expect(
      value(
        'ws_broadcast_latency_seconds',
        { namespace: '/prices', le: '0.0005' },
        'ws_broadcast_latency_seconds_bucket',
      ),
    ).toBe(0);
    expect(value('ws_ping_rtt_seconds', {}, 'ws_ping_rtt_seconds_count')).toBe(1);
    expect(value('ws_errors_total', { namespace: '/prices', code: 'INVALID_PAYLOAD' })).toBe(1);
    expect(value('ws_errors_total', { namespace: 'none', code: 'INTERNAL' })).toBe(1);
    expect(value('ws_rate_limited_total', { namespace: '/market' })).toBe(1);
    expect(value('ws_subscriptions', { namespace: '/prices' })).toBe(2);
    expect(value('ws_redis_up', {})).toBe(1);
    expect(value('ws_node_info', { node_id: 'node-a' })).toBe(1);
    expect(value('ws_event_loop_lag_seconds', {})).toBeGreaterThanOrEqual(0);
  });

  it('includes the default process metrics when asked and honours the prefix', async () => {
    const { m, families } = await exercised({ collectDefaultMetrics: true, prefix: 'gw_' });
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(families.has('nodejs_eventloop_lag_seconds')).toBe(true);
    expect(families.has('gw_connections')).toBe(true);
    expect(families.has('ws_connections')).toBe(false);
    expect(m.contentType).toMatch(/^text\/plain/);
  });

  it('keeps label cardinality bounded with garbage names', async () => {
    const m = create();
    for (let i = 0; i < 1000; i++) {
      m.messageIn(`/ns-${i}`, `evt-${i}`, 10);
      m.messageOut('/prices', `spam-${i}`, 10);
      m.broadcast('/prices', `spam-${i}`, 1);
      m.messageLatency('/prices', 0.001);
      m.error(`CODE_${i}`, `/ns-${i}`);
      m.connectionRefused('/user', `CODE_${i}`);
    }
    const families = parseExposition(await m.exportPrometheusMetrics());
    const allowedEvents = new Set<string>([...PUBLISHABLE_EVENT_NAMES, 'ping', 'subscribe', 'other']);
    let series = 0;
    for (const f of families.values()) {
      for (const s of f.samples) {
        series++;
        if (s.labels.namespace !== undefined)
          expect(['/prices', '/market', '/user', '/admin', 'other', 'none']).toContain(s.labels.namespace);
        if (s.labels.event !== undefined) expect(allowedEvents).toContain(s.labels.event);
        if (s.labels.code !== undefined) expect(s.labels.code).toBe('other');
      }
    }
    expect(series).toBeLessThan(200);
    expect(families.get('ws_messages_received_total')?.samples).toEqual([
      { name: 'ws_messages_received_total', labels: { namespace: 'other', event: 'other' }, value: 1000 },
    ]);
  });

  it('exports the conflatable latest-state streams from zero, before anything was conflated', async () => {
    const m = create();
    m.connectionOpened('/prices');
    m.connectionOpened('/market');
    const families = parseExposition(await m.exportPrometheusMetrics());
    expect(families.get('ws_messages_conflated_total')?.samples).toEqual(
      expect.arrayContaining([
        { name: 'ws_messages_conflated_total', labels: { namespace: '/prices', event: 'price.update' }, value: 0 },
        { name: 'ws_messages_conflated_total', labels: { namespace: '/market', event: 'market.ticker' }, value: 0 },
        { name: 'ws_messages_conflated_total', labels: { namespace: '/market', event: 'market.stats' }, value: 0 },
      ]),
    );
    m.messageConflated('/prices', 'price.update');
    const after = parseExposition(await m.exportPrometheusMetrics());
    expect(after.get('ws_messages_conflated_total')?.samples).toContainEqual({
      name: 'ws_messages_conflated_total',
      labels: { namespace: '/prices', event: 'price.update' },
      value: 1,
    });
  });

  it('lets two instances live in one process without colliding', async () => {
    const a = create({ collectDefaultMetrics: true });
    const b = create({ collectDefaultMetrics: true });
    expect(a.registry).not.toBe(b.registry);
    a.connectionOpened('/prices');
    const [textA, textB] = await Promise.all([a.exportPrometheusMetrics(), b.exportPrometheusMetrics()]);
    expect(textA).toMatch(/ws_connections\{namespace="\/prices"\} 1/);
    expect(textB).toMatch(/ws_connections\{namespace="\/prices"\} 0/);
  });

  it('shares a given registry when the prefixes differ, and refuses a duplicate family', () => {
    const registry = new Registry();
    create({ registry, prefix: 'a_' });
    create({ registry, prefix: 'b_' });
    expect(registry.getSingleMetric('a_connections')).toBeDefined();
    expect(registry.getSingleMetric('b_connections')).toBeDefined();
    expect(() => create({ registry, prefix: 'a_' })).toThrow(/already been registered/);
  });
});

describe('event loop and lifecycle', () => {
  it('measures event-loop lag', async () => {
    const m = create({ eventLoopResolutionMs: 1 });
    const until = Date.now() + 30;
    while (Date.now() < until) {
      // Block the loop so the monitor has a delay to see.
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(m.eventLoopLagMs()).toBeGreaterThan(0);
  });

  it('close() clears its timer and stops the monitor', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const m = new WebSocketMetrics({ collectDefaultMetrics: false, rateWindowSec: 1 });
      expect(vi.getTimerCount()).toBe(1);
      m.close();
      m.close();
      expect(vi.getTimerCount()).toBe(0);
      expect(m.eventLoopLagMs()).toBe(0);
      m.connectionOpened('/prices');
      expect(m.getMetrics().connections.current).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
