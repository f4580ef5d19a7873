import { describe, expect, it } from 'vitest';
import { readBenchOptions } from '../../src/bench/bench-options.js';
import { checkGoals, computeRatios } from '../../src/bench/bench-report.js';
import {
  type BenchRun,
  baselineHalfLoadRate,
  isFloor,
  medianByP99,
  type StepResult,
  type TargetResult,
} from '../../src/bench/run-benchmark.js';
import type { TrialResult } from '../../src/bench/trial.js';
import { decimalField, intField, needle, stringField } from '../../src/clients/frame-fields.js';
import { readSeries, summarizeSamples } from '../../src/measure/gateway-metrics.js';
import { sourceAddressFor } from '../../src/run/loopback.js';
import { parseStressOptions, UsageError } from '../../src/run/stress-options.js';
import { checkThresholds, refusalAdvice, type StressReport } from '../../src/run/stress-report.js';

describe('parseStressOptions', () => {
  it('takes the seed env variables and the flags, flags first', () => {
    const o = parseStressOptions(['--clients', '7', '--namespaces', 'prices,/market'], {
      NUM_CLIENTS: '100',
      TEST_DURATION: '12',
    });
    expect(o).toMatchObject({ clients: 7, durationSec: 12, namespaces: ['/prices', '/market'], mode: 'sdk' });
  });

  it('refuses what cannot run: non-loopback targets, publishing without a secret, bad symbols, unknown flags', () => {
    expect(() => parseStressOptions(['--url', 'http://10.0.0.1:3000'], {})).toThrow(/loopback.*--allow-remote/);
    expect(() => parseStressOptions(['--publish-rate', '10'], {})).toThrow(UsageError);
    expect(() => parseStressOptions(['--namespaces', 'user'], {})).toThrow(/token-secret/);
    expect(() => parseStressOptions(['--symbols', 'btcusdt'], {})).toThrow(/symbols/);
    expect(() => parseStressOptions(['--clients', '0'], {})).toThrow(/clients/);
    expect(() => parseStressOptions(['--bogus'], {})).toThrow(UsageError);
  });

  it('collects thresholds only when given, but refused connections always fail the run (default 0)', () => {
    const o = parseStressOptions(['--max-p99', '300', '--max-error-rate', '0.001'], {});
    expect(o !== 'help' && o.thresholds).toEqual({ maxP99Ms: 300, maxErrorRate: 0.001, maxRefusedConnections: 0 });
    const tolerant = parseStressOptions(['--max-refused', '25'], {});
    expect(tolerant !== 'help' && tolerant.thresholds).toEqual({ maxRefusedConnections: 25 });
  });

  it('aims at another host only behind --allow-remote', () => {
    const o = parseStressOptions(['--url', 'https://staging.example.com', '--allow-remote'], {});
    expect(o !== 'help' && o.url).toBe('https://staging.example.com');
    expect(o !== 'help' && o.metricsUrl).toBe('https://staging.example.com/metrics');
    expect(() => parseStressOptions(['--url', 'https://staging.example.com'], {})).toThrow(/--allow-remote/);
  });
});

describe('frame fields', () => {
  const frame =
    '42/prices,["price.update",{"symbol":"BTC/USDT","volume":"1764100000123.456","timestamp":1764100000123,"seq":42,"prevSeq":41}]';
  it('reads the fields a receiver needs without JSON.parse', () => {
    expect(intField(frame, needle('seq'))).toBe(42);
    expect(intField(frame, needle('prevSeq'))).toBe(41);
    expect(intField(frame, needle('timestamp'))).toBe(1764100000123);
    expect(stringField(frame, needle('symbol'))).toBe('BTC/USDT');
    expect(decimalField(frame, needle('volume'))).toBeCloseTo(1764100000123.456, 3);
    expect(intField(frame, needle('missing'))).toBeNull();
    expect(stringField(frame, needle('seq'))).toBeNull();
  });
});

describe('loopback source addresses', () => {
  it('uses one address below 25 000 clients and spreads over 127.0.0.x above', () => {
    expect(sourceAddressFor(10, 1000)).toBeUndefined();
    expect(sourceAddressFor(0, 60_000)).toBe('127.0.0.1');
    expect(sourceAddressFor(25_000, 60_000)).toBe('127.0.0.2');
    expect(sourceAddressFor(59_999, 60_000)).toBe('127.0.0.3');
    // Lean clients open one connection per namespace.
    expect(sourceAddressFor(10_000, 10_000, 3)).toBe('127.0.0.2');
    expect(sourceAddressFor(10_000, 10_000, 1)).toBeUndefined();
  });
});

describe('gateway metrics', () => {
  it('reads process series from Prometheus text and turns samples into CPU% and RSS', () => {
    const text =
      '# HELP x\nprocess_cpu_seconds_total 12.5\nprocess_resident_memory_bytes 1.5e8\nnodejs_eventloop_lag_p99_seconds{a="b"} 0.012\n';
    expect(readSeries(text, 'process_cpu_seconds_total')).toBe(12.5);
    expect(readSeries(text, 'process_resident_memory_bytes')).toBe(150_000_000);
    expect(readSeries(text, 'nodejs_eventloop_lag_p99_seconds')).toBe(0.012);
    const usage = summarizeSamples([
      { at: 0, cpuSeconds: 10, rssBytes: 100, heapUsedBytes: 1, eventLoopLagP99Seconds: 0.01 },
      { at: 2000, cpuSeconds: 11, rssBytes: 300, heapUsedBytes: 2, eventLoopLagP99Seconds: 0.02 },
    ]);
    expect(usage).toMatchObject({ samples: 2, cpuPercent: { avg: 50, max: 50 }, rssBytes: { avg: 200, max: 300 } });
  });
});

describe('thresholds', () => {
  const report = {
    latencyMs: { p99: 250 },
    errors: { rate: 0.01 },
    messages: { perSecond: 900 },
    connections: { timeMs: { p99: 40 }, failed: 3, failuresByCode: { RATE_LIMITED: 3 } },
    seqGaps: { events: 2 },
  } as unknown as Omit<StressReport, 'thresholds'>;
  it('lists every broken limit with its actual value', () => {
    expect(checkThresholds({ maxP99Ms: 300, maxErrorRate: 0.1, maxRefusedConnections: 3 }, report)).toEqual([]);
    expect(checkThresholds({ maxRefusedConnections: 0 }, report)).toEqual([
      { threshold: 'maxRefusedConnections', limit: 0, actual: 3 },
    ]);
    expect(refusalAdvice({ RATE_LIMITED: 3, MAINTENANCE: 1 })).toMatch(
      /^3 RATE_LIMITED: .*WS_HANDSHAKE_RATE_LIMIT_POINTS.*; 1 MAINTENANCE: .*maintenance off/,
    );
    expect(
      checkThresholds(
        { maxP99Ms: 200, maxErrorRate: 0.001, minMessagesPerSec: 1000, maxConnectP99Ms: 50, maxGaps: 0 },
        report,
      ),
    ).toEqual([
      { threshold: 'maxP99Ms', limit: 200, actual: 250 },
      { threshold: 'maxErrorRate', limit: 0.001, actual: 0.01 },
      { threshold: 'minMessagesPerSec', limit: 1000, actual: 900 },
      { threshold: 'maxGaps', limit: 0, actual: 2 },
    ]);
  });
});

describe('half-load trials', () => {
  it('report the trial with the median p99, so one stall in one trial does not decide it', () => {
    const trial = (p99Ms: number) => ({ p99Ms }) as Parameters<typeof medianByP99>[0][number];
    expect(medianByP99([trial(9), trial(507), trial(8)])?.p99Ms).toBe(9);
    expect(medianByP99([trial(30), trial(10)])?.p99Ms).toBe(10);
    expect(medianByP99([trial(12)])?.p99Ms).toBe(12);
    expect(medianByP99([])).toBeNull();
  });
});

describe('benchmark ratios', () => {
  const step = (clients: number, max: number, p99: number, rss: number, conn: number, overloadP99: number, cpu = 100) =>
    ({
      clients,
      maxDeliveredPerSec: max,
      atMax: { deliveredPerSec: max, serverCpuPercent: cpu },
      halfLoad: { p99Ms: p99, deliveredPerSec: max / 2 },
      overload: { p99Ms: overloadP99 },
      overloadHigh: { p99Ms: overloadP99 * 1.2 },
      rssPerConnectionBytes: rss,
      connect: { perSecond: conn, serverCpuPercent: cpu },
    }) as unknown as StepResult;
  const run = {
    options: { steps: [1000], overloadFactor: 2, overloadHighFactor: 4, maxP99Ms: 100 },
    results: [
      { target: 'baseline-socketio', steps: [step(1000, 100_000, 2, 16_000, 2000, 3000)] },
      { target: 'baseline-ws', steps: [step(1000, 140_000, 1, 8_000, 5000, 1500)] },
      // Starved by a neighbour: half a core, so per CPU-second it did twice what it did per second.
      { target: 'gateway', steps: [step(1000, 80_000, 4, 20_000, 1000, 150, 50)] },
    ],
  } as unknown as BenchRun;

  it('divides gateway-redis by baseline-socketio-redis for the Redis goal', () => {
    const withRedis = {
      ...run,
      results: [
        ...run.results,
        { target: 'baseline-socketio-redis', steps: [step(1000, 50_000, 8, 20_000, 1500, 3000)] },
        { target: 'gateway-redis', steps: [step(1000, 60_000, 4, 20_000, 1200, 150, 50)] },
      ],
    } as unknown as BenchRun;
    const [r] = computeRatios(withRedis);
    expect(r?.redis).toEqual({
      maxDelivered: 1.2,
      p99AtHalfLoad: 0.5,
      connectPerSecond: 0.8,
      deliveredPerServerCpuSec: 2.4,
      connectsPerServerCpuSec: 1.6,
    });
    expect(checkGoals(computeRatios(withRedis)).find((g) => g.goal.startsWith('Redis:'))).toMatchObject({
      goal: 'Redis: gateway-redis vs socketio-redis',
      ratio: 1.2,
      limit: '>= 1.3',
      met: false,
    });
  });

  it('divides the gateway by each baseline and checks the issue targets', () => {
    const [r] = computeRatios(run);
    expect(r).toEqual({
      clients: 1000,
      maxDelivered: { vsSocketio: 0.8, vsWs: 0.57 },
      p99AtHalfLoad: { vsSocketio: 2, vsWs: 4 },
      p99AtOverload: { vsSocketio: 0.05, vsWs: 0.1 },
      rssPerConnection: { vsSocketio: 1.25, vsWs: 2.5 },
      connectPerSecond: { vsSocketio: 0.5, vsWs: 0.2 },
      deliveredPerServerCpuSec: { vsSocketio: 1.6, vsWs: 1.14 },
      connectsPerServerCpuSec: { vsSocketio: 1, vsWs: 0.4 },
      redis: {
        maxDelivered: null,
        p99AtHalfLoad: null,
        connectPerSecond: null,
        deliveredPerServerCpuSec: null,
        connectsPerServerCpuSec: null,
      },
    });
    const goals = checkGoals(computeRatios(run));
    // The Redis pair did not run: its goal is listed with no ratio, neither met nor missed.
    expect(goals.find((g) => g.goal.startsWith('Redis:'))).toMatchObject({ ratio: null, met: null });
    expect(goals.find((g) => g.goal === 'max delivered vs socket.io')).toMatchObject({ ratio: 0.8, met: false });
    expect(goals.find((g) => g.goal.startsWith('RSS'))).toMatchObject({ ratio: 1.25, met: false });
    expect(goals.find((g) => g.goal.startsWith('overload'))).toBeUndefined();
  });

  it("compares the gateway's p99 at socket.io's half-load rate with socket.io's there, and its publisher lag", () => {
    const trial = (p99Ms: number, publisherMaxLagMs: number) => ({ deliveredPerSec: 50_000, p99Ms, publisherMaxLagMs });
    const gateway = { ...step(1000, 80_000, 4, 20_000, 1000, 150, 50), atBaselineHalfLoad: trial(1, 3) };
    const withSameRate = {
      ...run,
      results: [run.results[0], run.results[1], { target: 'gateway', steps: [gateway] }],
    } as unknown as BenchRun;
    const [r] = computeRatios(withSameRate);
    // Socket.IO's p99 at its half load is 2 ms; the gateway's at that rate 1 ms.
    expect(r?.p99AtSocketioHalfLoad).toBe(0.5);
    const goals = checkGoals(computeRatios(withSameRate), withSameRate);
    expect(goals.find((g) => g.goal === "p99 at socket.io's half-load rate vs socket.io")).toMatchObject({
      ratio: 0.5,
      met: true,
    });
    expect(goals.find((g) => g.goal.startsWith("publisher lag at socket.io's"))).toMatchObject({ ratio: 3, met: true });
    // Not measured (no trial at that rate): no such rows.
    expect(checkGoals(computeRatios(run), run).some((g) => g.goal.includes("socket.io's half-load"))).toBe(false);
  });

  it('finds the half-load rate of the Socket.IO baseline of the same workload and step', () => {
    const earlier = [
      { target: 'baseline-socketio', workload: 'market', steps: [{ clients: 1000, halfLoad: { offeredPerSec: 9 } }] },
      {
        target: 'baseline-socketio',
        steps: [{ clients: 1000, halfLoad: { offeredPerSec: 40_000, deliveredPerSec: 39_990 } }],
      },
      {
        target: 'baseline-socketio-redis',
        steps: [{ clients: 5000, halfLoad: { offeredPerSec: 30_000, deliveredPerSec: 29_990 } }],
      },
    ] as unknown as TargetResult[];
    expect(baselineHalfLoadRate(earlier, { target: 'gateway' }, 1000)).toBe(40_000);
    expect(baselineHalfLoadRate(earlier, { target: 'gateway-redis', workload: 'price' }, 5000)).toBe(30_000);
    // No such step, a market baseline that delivered nothing, a target without a Socket.IO baseline.
    expect(baselineHalfLoadRate(earlier, { target: 'gateway' }, 5000)).toBeUndefined();
    expect(baselineHalfLoadRate(earlier, { target: 'gateway', workload: 'market' }, 1000)).toBeUndefined();
    expect(baselineHalfLoadRate(earlier, { target: 'baseline-ws' }, 1000)).toBeUndefined();
  });

  it('checks that the gateway p99 under overload is far below socket.io and does not grow with the excess', () => {
    const goals = checkGoals(computeRatios(run), run);
    expect(goals.find((g) => g.goal === 'overload x2: p99 vs socket.io at x2')).toMatchObject({
      clients: 1000,
      ratio: 0.05,
      met: true,
    });
    expect(goals.find((g) => g.goal === 'overload: gateway p99 x4 / x2 (bounded)')).toMatchObject({
      ratio: 1.2,
      met: true,
    });
  });
});

describe('load generator floors', () => {
  const trial = (offeredPerSec: number, sustained: boolean, loadgenCpuPercent: number, serverCpuPercent = 60) =>
    ({ offeredPerSec, sustained, loadgenCpuPercent, serverCpuPercent }) as TrialResult;

  it('marks a max as a floor when the generator was above 70 % of a core at it or where the search stopped', () => {
    const quiet = trial(100_000, true, 40);
    expect(isFloor({ atMax: quiet, trials: [quiet, trial(150_000, false, 55)] })).toBe(false);
    expect(isFloor({ atMax: trial(100_000, true, 75), trials: [] })).toBe(true);
    expect(isFloor({ atMax: quiet, trials: [quiet, trial(150_000, false, 80)] })).toBe(true);
    // A saturated server is the limit, however busy the generator looked.
    expect(isFloor({ atMax: quiet, trials: [quiet, trial(150_000, false, 80, 97)] })).toBe(false);
  });

  it('uses the native generator unless BENCH_LOADGEN=node, and refuses anything else', () => {
    expect(readBenchOptions({}, '/tmp').loadgen).toBe('native');
    // One default run prints every goal, the Redis pair's too.
    expect(readBenchOptions({}, '/tmp').targets).toEqual([
      'baseline-socketio',
      'baseline-ws',
      'gateway',
      'baseline-socketio-redis',
      'gateway-redis',
    ]);
    expect(readBenchOptions({ BENCH_LOADGEN: 'node' }, '/tmp').loadgen).toBe('node');
    expect(() => readBenchOptions({ BENCH_LOADGEN: 'rust' }, '/tmp')).toThrow(/BENCH_LOADGEN/);
  });

  it('checks the publisher lag at half load in ms', () => {
    const run = {
      options: { steps: [1000], overloadFactor: 0, overloadHighFactor: 0 },
      results: [
        {
          target: 'gateway',
          steps: [{ clients: 1000, halfLoad: { publisherMaxLagMs: 12, deliveredPerSec: 500 }, connect: {} }],
        },
      ],
    } as unknown as BenchRun;
    expect(checkGoals(computeRatios(run), run).find((g) => g.goal.startsWith('publisher lag'))).toMatchObject({
      ratio: 12,
      met: false,
    });
  });
});
