import { describe, expect, it } from 'vitest';
import type { LoadDriver, OfferResult } from '../../src/bench/load-driver.js';
import { searchMaxRate, type TrialContext } from '../../src/bench/trial.js';

/**
 * A scripted load generator: every publish rate at or below `capacity` is delivered in full with a low p99,
 * above it the p99 blows up with the server saturated, and the trials listed in `stalls` (by their index) meet
 * one long pause with the server well below saturation.
 */
function scriptedDriver(capacity: number, fanOut: number, stalls: ReadonlySet<number>) {
  const offered: number[] = [];
  const driver: LoadDriver = {
    kind: 'native',
    connect: async () => ({ ok: 0, failed: 0, p99Ms: 0 }),
    drain: async () => 0,
    close: async () => {},
    offer: async (publishRate, durationSec): Promise<OfferResult> => {
      const index = offered.push(publishRate * fanOut) - 1;
      const saturated = publishRate * fanOut > capacity;
      const over = saturated || stalls.has(index);
      const count = Math.round(publishRate * durationSec);
      return {
        offered: count,
        failed: 0,
        maxLagMs: over ? 200 : 0,
        received: count * fanOut,
        windowSec: durationSec,
        p50Ms: 2,
        p99Ms: over ? 250 : 5,
        maxMs: over ? 300 : 8,
        drops: 0,
        gaps: 0,
        generatorCpuPercent: 30,
        serverCpuPercent: saturated ? 99 : 60,
      };
    },
  };
  return { driver, offered };
}

const ctxOf = (driver: LoadDriver): TrialContext => ({
  driver,
  fanOut: 100,
  durationSec: 3,
  minDeliveredRatio: 0.97,
  maxP99Ms: 100,
});

describe('searchMaxRate', () => {
  it('climbs x1.5 from the start, confirms the first failure, and bisects', async () => {
    const { driver, offered } = scriptedDriver(100_000, 100, new Set());
    const r = await searchMaxRate(ctxOf(driver), 20_000, 2_000_000, 2, () => {});
    // 20k 30k 45k 67.5k ok, 101.25k fails twice, then 84.4k ok, 92.8k ok.
    expect(offered.map(Math.round)).toEqual([20_000, 30_000, 45_000, 67_500, 101_250, 101_250, 84_375, 92_813]);
    expect(r.maxDeliveredPerSec).toBe(92_800);
    expect(r.limit).toBe('server-cpu');
  });

  it('starting above capacity, one pause in the first lowering trial does not halve the result', async () => {
    // Trials: 0 and 1 at 170k fail (over), 2 at 85k fails (over), 3 at 42.5k meets a pause, 4 repeats it.
    const { driver, offered } = scriptedDriver(60_000, 100, new Set([3]));
    const r = await searchMaxRate(ctxOf(driver), 170_000, 2_000_000, 1, () => {});
    expect(offered.map(Math.round)).toEqual([170_000, 170_000, 85_000, 42_500, 42_500, 63_750]);
    expect(r.maxDeliveredPerSec).toBe(42_500);
    expect(r.limit).toBe('server-cpu');
    expect(r.trials.filter((t) => t.sustained)).toHaveLength(1);
  });

  it('a pause is retried once per trial and twice per search; a saturated failure is believed at once', async () => {
    // 3 and 4: a pause at 42.5k twice, believed; 5 at 21.25k ok; 6 at 31.9k a pause, retried as 7, ok.
    const { driver, offered } = scriptedDriver(60_000, 100, new Set([3, 4, 6]));
    const r = await searchMaxRate(ctxOf(driver), 170_000, 2_000_000, 1, () => {});
    expect(offered.map(Math.round)).toEqual([170_000, 170_000, 85_000, 42_500, 42_500, 21_250, 31_875, 31_875]);
    expect(Math.abs(r.maxDeliveredPerSec - 31_875)).toBeLessThan(20);
    const { driver: d2, offered: o2 } = scriptedDriver(60_000, 100, new Set([3, 5, 7]));
    await searchMaxRate(ctxOf(d2), 170_000, 2_000_000, 1, () => {});
    // 3 retried as 4 (ok at 42.5k), 5 at 63.75k saturated: not retried.
    expect(o2.map(Math.round)).toEqual([170_000, 170_000, 85_000, 42_500, 42_500, 63_750]);
  });
});
