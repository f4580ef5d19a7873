// The short variant of `pnpm test:ws:chaos:real` (see packages/server/README.md#chaos-run): two gateway
// processes behind nginx with the project's config, Redis with AOF, a publisher process, a few SDK clients
// behind fault proxies, and two faults: RST inside a frame (three rounds, the later ones during recovery) and
// a blackhole held until both sides have seen the connection die of a ping timeout. Nothing here is timed:
// every wait is for an event, bounded generously.
import { describe, expect, it } from 'vitest';
import { violations } from '../../src/chaos/chaos-report.js';
import { runChaos } from '../../src/chaos/chaos-run.js';

describe('chaos on real processes and sockets (short)', () => {
  it('private events exactly once and in order, gaps reported and resynced, half-open detected by both sides', async () => {
    const result = await runChaos({
      mode: 'recovery',
      clients: 12,
      nodes: 2,
      lanes: 3,
      faults: ['reset-mid-frame', 'half-open'],
      holdMs: 1_000,
      blackholeMs: 1_000,
      halfOpenMs: 0,
      latency: { minMs: 50, maxMs: 500 },
      bandwidthBytesPerSecond: 2_048,
      pingIntervalMs: 1_000,
      pingTimeoutMs: 2_000,
      privatePerSecond: 20,
      publicPerSecond: 5,
      settleTimeoutMs: 60_000,
      log: () => {},
    });
    expect(violations(result, { detectionAllowanceMs: null, maxRssGrowthMb: null })).toEqual([]);
    const [reset, halfOpen] = result.rows;
    expect(reset?.affected).toBeGreaterThan(0);
    // The gateways saw the resets as closed connections (through nginx), and the blackhole as ping timeouts.
    expect(Object.values(reset?.serverReasons ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(halfOpen?.halfOpen).toMatchObject({
      clientDetected: halfOpen?.affected,
      serverDetected: halfOpen?.affected,
    });
    expect(halfOpen?.serverReasons['ping timeout'] ?? 0).toBeGreaterThanOrEqual(halfOpen?.affected ?? 1);
    expect(result.books).toEqual({ equal: 12, of: 12 });
    expect(result.total.published).toBeGreaterThan(0);
    expect(result.total.delivered).toBe(result.total.published);
  }, 240_000);
});
