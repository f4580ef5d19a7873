import type { AdminStats } from '@ws/protocol';
import { describe, expect, it } from 'vitest';
import { STALE_AFTER_MS, StatsHistory, WINDOW_MS } from '../../src/stats-history.js';

function stats(
  nodeId: string,
  timestamp: number,
  over: Partial<AdminStats> & { in?: number; out?: number } = {},
): AdminStats {
  return {
    timestamp,
    nodeId,
    metrics: {
      connections: { current: 2, total: 2 },
      messages: { total: 0, perSecond: 0 },
      latency: { avg: 1, p50: 1, p95: 2, p99: 3 },
      namespaces: {
        '/prices': { connections: 2, messagesIn: over.in ?? 0, messagesOut: over.out ?? 0, subscriptions: 0 },
      },
      errors: { total: 0, rate: 0 },
    },
    topSymbols: [],
    rateLimitRejections: 0,
    maintenance: { enabled: false },
    eventLoopLagMs: 5,
    ...over,
  };
}

describe('StatsHistory', () => {
  it('turns counters into per-second rates between two reports of a node', () => {
    const h = new StatsHistory();
    h.add(stats('a', 0, { in: 10, out: 100, errorsByCode: { INVALID_PAYLOAD: 1 }, rateLimitRejections: 2 }), 0);
    expect(h.current(0)['in']).toBe(0);
    h.add(stats('a', 2000, { in: 30, out: 500, errorsByCode: { INVALID_PAYLOAD: 5 }, rateLimitRejections: 6 }), 2000);
    expect(h.current(2000)).toMatchObject({ in: 10, out: 200, 'err:INVALID_PAYLOAD': 2, rl: 2, 'conn:/prices': 2 });
  });

  it('sums connections and rates over nodes, takes the worst latency and lag, and drops stale nodes', () => {
    const h = new StatsHistory();
    h.add(stats('a', 0), 0);
    h.add(
      stats('b', 0, {
        eventLoopLagMs: 40,
        metrics: { ...stats('b', 0).metrics, latency: { avg: 9, p50: 8, p95: 9, p99: 20 } },
      }),
      0,
    );
    expect(h.current(0)).toMatchObject({ connections: 4, 'conn:/prices': 4, p50: 8, p99: 20, lag: 40 });
    h.add(stats('a', STALE_AFTER_MS + 1000), STALE_AFTER_MS + 1000);
    expect(h.current(STALE_AFTER_MS + 1000)).toMatchObject({ connections: 2, lag: 5 });
    expect(h.latest(STALE_AFTER_MS + 1000).map((s) => s.nodeId)).toEqual(['a']);
  });

  it('reports no rate across a restart (a counter that went down) and keeps 15 minutes of samples', () => {
    const h = new StatsHistory();
    h.add(stats('a', 0, { in: 100 }), 0);
    h.add(stats('a', 1000, { in: 5 }), 1000);
    expect(h.current(1000)['in']).toBe(0);
    let last = 0;
    for (let t = 2000; t <= WINDOW_MS + 10_000; t += 5000) {
      h.add(stats('a', t, { in: 5 }), t);
      last = t;
    }
    const samples = h.history();
    expect(samples[0]!.t).toBeGreaterThanOrEqual(last - WINDOW_MS);
    expect(samples[0]!.t).toBeLessThan(last - WINDOW_MS + 5000);
  });
});
