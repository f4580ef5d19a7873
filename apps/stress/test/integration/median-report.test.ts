import { describe, expect, it } from 'vitest';
import {
  type BenchResultFile,
  formatMedianReport,
  median,
  medianReport,
  meetsLimit,
} from '../../src/bench/median-report.js';

const step = (clients: number, max: number, srvCpu: number, p99: number, conn: number) => ({
  clients,
  maxDeliveredPerSec: max,
  floor: false,
  connect: { perSecond: conn, serverCpuPercent: 50 },
  rssPerConnectionBytes: 10_240,
  atMax: { deliveredPerSec: max, serverCpuPercent: srvCpu, p50Ms: 1, p99Ms: p99 },
  halfLoad: { deliveredPerSec: max / 2, p50Ms: 1, p99Ms: p99 },
});

const run = (date: string, gwMax: number, ratio: number | null, floor = false): BenchResultFile => ({
  date,
  machine: { loadAverage: { start: 0.3, end: 1.1 } },
  targets: [
    { target: 'gateway', steps: [{ ...step(1000, gwMax, 100, 4, 900), floor }] },
    { target: 'baseline-ws', steps: [step(1000, 100_000, 100, 3, 3000)] },
  ],
  goals: [{ goal: 'max delivered vs raw ws', clients: 1000, ratio, limit: '>= 1.0' }],
});

describe('median', () => {
  it('takes the middle of an odd count, the mean of the middle two of an even one, and skips gaps', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([null, 5, undefined, Number.NaN])).toBe(5);
    expect(median([])).toBeNull();
  });
});

describe('meetsLimit', () => {
  it('reads the limits as the report writes them', () => {
    expect(meetsLimit(1.6, '>= 1.6')).toBe(true);
    expect(meetsLimit(1.59, '>= 1.6')).toBe(false);
    expect(meetsLimit(10, '<= 10 ms')).toBe(true);
    expect(meetsLimit(11, '<= 10 ms')).toBe(false);
    expect(meetsLimit(null, '>= 1.0')).toBeNull();
    expect(meetsLimit(1, 'bounded')).toBeNull();
  });
});

describe('medianReport', () => {
  it('judges a goal on the median of the runs, not on the best one', () => {
    const report = medianReport([
      run('2026-12-07T01:00:00Z', 90_000, 0.9),
      run('2026-12-07T01:10:00Z', 120_000, 1.2),
      run('2026-12-07T01:20:00Z', 95_000, 0.95),
    ]);
    const gw = report.steps.find((s) => s.target === 'gateway');
    expect(gw).toMatchObject({ runs: 3, maxDeliveredPerSec: 95_000, maxRange: [90_000, 120_000], floor: false });
    expect(gw?.deliveredPerServerCpuSec).toBe(95_000);
    expect(gw?.connectsPerServerCpuSec).toBe(1800);
    expect(report.goals).toEqual([expect.objectContaining({ ratios: [0.9, 1.2, 0.95], median: 0.95, met: false })]);
  });

  it('keeps a floor of any run visible and a goal no run measured as not measured', () => {
    const report = medianReport([run('a', 100_000, null, true), run('b', 100_000, null)]);
    expect(report.steps.find((s) => s.target === 'gateway')?.floor).toBe(true);
    expect(report.goals[0]).toMatchObject({ ratios: [null, null], median: null, met: null });
    const text = formatMedianReport(report);
    expect(text).toContain('| gateway | 1,000 | >= 100,000 |');
    expect(text).toContain('| max delivered vs raw ws | 1,000 | - / - | - | >= 1.0 | not measured |');
  });

  it('lines up steps by workload when the documents have one', () => {
    const a = run('a', 100_000, 1);
    const market = { ...a, targets: a.targets.map((t) => ({ ...t, workload: 'market' })) };
    const report = medianReport([a, market]);
    expect(report.steps.filter((s) => s.target === 'gateway').map((s) => s.workload)).toEqual([undefined, 'market']);
    expect(
      formatMedianReport(report)
        .split('\n')
        .find((l) => l.startsWith('| workload')),
    ).toBeDefined();
  });

  it('refuses an empty list', () => {
    expect(() => medianReport([])).toThrow(/at least one/);
  });
});
