import { availableParallelism, cpus, loadavg } from 'node:os';
import { mintToken } from '../gateway/token.js';
import { BENCH_SYMBOLS, type BenchOptions, type BenchTarget, type BenchWorkload } from './bench-options.js';
import { BENCH_JWT_SECRET, type RunningTarget, startTarget } from './bench-target.js';
import { pinSelfToCpu1 } from './cpu-pinning.js';
import type { LoadDriver, LoadDriverOptions } from './load-driver.js';
import { buildMarketWorkload, hottestDepthShare, type MarketWorkload, marketFanOut } from './market-workload.js';
import { buildNativeLoadGenerator, NativeLoadDriver } from './native-load-driver.js';
import { NodeLoadDriver } from './node-load-driver.js';
import { CpuMeter, procCpuSeconds, procRssBytes } from './proc-usage.js';
import {
  type Limit,
  LOADGEN_FLOOR_PERCENT,
  runTrial,
  SATURATED_CPU_PERCENT,
  searchMaxRate,
  type TrialResult,
} from './trial.js';

export interface StepResult {
  clients: number;
  connect: { added: number; failed: number; perSecond: number; p99Ms: number; serverCpuPercent: number | null };
  /** Server RSS with these clients connected and idle. */
  idleRssBytes: number | null;
  /** (idle RSS − RSS before any client) / clients. */
  rssPerConnectionBytes: number | null;
  maxDeliveredPerSec: number;
  /** What stopped the rate from going higher; `load-generator-cpu` means the number is a floor. */
  limit: Limit;
  /** The load generator used more than 70 % of a core at the max or in the trial that stopped the search. */
  floor: boolean;
  atMax: TrialResult | null;
  /** The trial with the median p99 of `halfLoadTrials`: one stall in one trial does not decide it. */
  halfLoad: TrialResult | null;
  halfLoadTrials: TrialResult[];
  /**
   * Gateway targets: the median-p99 trial of `halfLoadTrials` at the rate of its Socket.IO baseline's half
   * load (same workload and step; `baseline-socketio-redis` for `gateway-redis`), so latency is also
   * compared at the same traffic, not only at each one's own half. Absent when that baseline did not run first.
   */
  atBaselineHalfLoad?: TrialResult | null;
  atBaselineHalfLoadTrials?: TrialResult[];
  /** One trial at `overloadFactor` × the max: does latency stay bounded? */
  overload: TrialResult | null;
  /** One trial at `overloadHighFactor` × the max. */
  overloadHigh: TrialResult | null;
  trials: TrialResult[];
}

export interface TargetResult {
  target: BenchTarget;
  /** Which workload (absent in results written before there were two: `price`). */
  workload?: BenchWorkload;
  steps: StepResult[];
  /** Steps left out because the target's share of `BENCH_BUDGET_SEC` ran out. */
  skippedSteps?: number[];
  error?: string;
}

export interface BenchRun {
  options: BenchOptions;
  pinned: boolean;
  results: TargetResult[];
  /** Seconds of wall time. */
  elapsedSec: number;
  /** Which load generator measured (absent if interrupted before it was chosen). */
  loadGenerator?: LoadGenerator['kind'];
  /** 1-minute load average when the run started (other work on the machine takes the servers' CPU). */
  loadAverageAtStart?: number;
  /** Stopped by a signal before every target ran. */
  interrupted?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pins this process to CPU 1 (see `pinSelfToCpu1`) when the options ask for it; says so when it cannot. */
function pinSelf(options: BenchOptions, log: (line: string) => void): boolean {
  if (!options.pin || availableParallelism() < 2 || process.platform !== 'linux') return false;
  if (pinSelfToCpu1()) return true;
  log('taskset unavailable: running unpinned');
  return false;
}

async function tokensFor(target: RunningTarget, clients: number): Promise<string[] | undefined> {
  if (!target.auth) return undefined;
  const tokens: string[] = [];
  for (let i = 0; i < clients; i++)
    tokens.push(await mintToken(BENCH_JWT_SECRET, { userId: `bench-${i}`, role: 'user', ttlSec: 6 * 3600 }));
  return tokens;
}

const fmtTrial = (t: TrialResult) =>
  `offered ${t.offeredPerSec.toLocaleString('en-US')}/s -> ${t.deliveredPerSec.toLocaleString('en-US')}/s ` +
  `(${(t.deliveredRatio * 100).toFixed(1)}%) p50 ${t.p50Ms} p99 ${t.p99Ms} ms srv ${t.serverCpuPercent ?? '-'}% ` +
  `gen ${t.loadgenCpuPercent ?? '-'}% lag ${t.publisherMaxLagMs} ms drain ${t.drainMs} ms ${t.sustained ? 'ok' : 'NOT sustained'}`;

/** The trial whose p99 is the median (the lower middle one of an even count). */
export function medianByP99(trials: readonly TrialResult[]): TrialResult | null {
  const sorted = [...trials].sort((a, b) => a.p99Ms - b.p99Ms);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

/**
 * Whether a step's max may be the load generator's limit rather than the server's: the generator used more
 * than `LOADGEN_FLOOR_PERCENT` of a core at the max or in the trial that stopped the search.
 */
export function isFloor(step: Pick<StepResult, 'atMax' | 'trials'>): boolean {
  const busy = (t: TrialResult | null | undefined) => (t?.loadgenCpuPercent ?? 0) > LOADGEN_FLOOR_PERCENT;
  if (busy(step.atMax)) return true;
  const above = step.trials
    .filter((t) => !t.sustained && t.offeredPerSec > (step.atMax?.offeredPerSec ?? 0))
    .sort((a, b) => a.offeredPerSec - b.offeredPerSec)[0];
  return busy(above) && (above?.serverCpuPercent ?? 0) < SATURATED_CPU_PERCENT;
}

/** The Socket.IO baseline each gateway target is compared with at the same rate. */
export const BASELINE_OF: Partial<Record<BenchTarget, BenchTarget>> = {
  gateway: 'baseline-socketio',
  'gateway-redis': 'baseline-socketio-redis',
};

/** The offered rate of the half-load trial of `result`'s baseline at `clients` (same workload), if it ran. */
export function baselineHalfLoadRate(
  earlier: readonly TargetResult[],
  result: Pick<TargetResult, 'target' | 'workload'>,
  clients: number,
): number | undefined {
  const baseline = BASELINE_OF[result.target];
  if (baseline === undefined) return undefined;
  const workload = result.workload ?? 'price';
  const half = earlier
    .find((r) => r.target === baseline && (r.workload ?? 'price') === workload)
    ?.steps.find((s) => s.clients === clients)?.halfLoad;
  return half?.deliveredPerSec ? half.offeredPerSec : undefined;
}

/** Server processes (and the Redis targets' `redis-server`s) alive right now, so an interrupt can stop them. */
export type RunningServers = Set<{ stop(graceMs?: number): Promise<void> }>;

/** Which load generator a run uses: the native client, unless it cannot be built or `BENCH_LOADGEN=node`. */
export type LoadGenerator = { kind: 'native'; binary: string } | { kind: 'node' };

export function chooseLoadGenerator(options: BenchOptions, log: (line: string) => void): LoadGenerator {
  if (options.loadgen === 'node') return { kind: 'node' };
  const built = buildNativeLoadGenerator();
  if ('path' in built) return { kind: 'native', binary: built.path };
  log(
    `native load generator not built (${built.error}); falling back to the Node load generator, which saturates ` +
      'its core first: figures marked >= are floors. Install a C compiler and make (e.g. apt-get install gcc make).',
  );
  return { kind: 'node' };
}

interface TargetRunContext {
  options: BenchOptions;
  /** The results of the targets that ran before this one (its Socket.IO baseline's half-load rate). */
  earlier: readonly TargetResult[];
  loadgen: LoadGenerator;
  /** CPU of the server; the load generator gets the next one. Undefined when not pinned. */
  cpu: number | undefined;
  log: (l: string) => void;
  running: RunningServers;
  deadline: number;
}

async function benchTarget(result: TargetResult, run: TargetRunContext): Promise<void> {
  const { options, log, running, deadline } = run;
  const name = result.target;
  const maxClients = options.steps.at(-1) ?? 0;
  const market: MarketWorkload | undefined =
    result.workload === 'market' ? buildMarketWorkload(maxClients, options.marketBatchMs) : undefined;
  const diagnostics = { nodeFlags: options.serverNodeFlags, logDir: options.serverLogDir };
  const redisCpu = run.cpu === undefined ? undefined : run.cpu + 1;
  const target = await startTarget(name, run.cpu, diagnostics, market?.symbols, redisCpu);
  running.add(target.process);
  if (target.redis) running.add(target.redis);
  let driver: LoadDriver | undefined;
  try {
    const driverOptions: LoadDriverOptions = {
      url: target.process.url,
      protocol: target.protocol,
      serverPid: target.process.pid,
      symbols: market?.symbols ?? BENCH_SYMBOLS,
      market,
      clientTokens: await tokensFor(target, maxClients),
      publisherToken: target.auth
        ? await mintToken(BENCH_JWT_SECRET, { userId: 'bench-publisher', role: 'service', ttlSec: 6 * 3600 })
        : undefined,
      maxClients,
      concurrency: 200,
      connectTimeoutMs: 30_000,
    };
    driver =
      run.loadgen.kind === 'native'
        ? await NativeLoadDriver.start(
            run.loadgen.binary,
            driverOptions,
            run.cpu === undefined ? undefined : run.cpu + 1,
          )
        : await NodeLoadDriver.start(driverOptions, options.workers);
    await sleep(1000);
    const rss0 = procRssBytes(target.process.pid);
    let connected = 0;
    let nextStart = options.startRate;
    for (const clients of options.steps) {
      if (performance.now() > deadline) {
        result.skippedSteps = [...(result.skippedSteps ?? []), clients];
        log(`${name} ${clients}: skipped, the time budget is spent`);
        continue;
      }
      const cpu = new CpuMeter(() => procCpuSeconds(target.process.pid));
      const t0 = performance.now();
      const c = await driver.connect(connected, clients, 300_000);
      const connectSec = (performance.now() - t0) / 1000;
      const serverCpuPercent = cpu.percent();
      connected += c.ok;
      log(
        `${name} ${clients}: +${c.ok} connected (${c.failed} failed${c.firstError ? `: ${c.firstError}` : ''}) at ` +
          `${Math.round(c.ok / connectSec)} conn/s, server ${serverCpuPercent ?? '-'}%`,
      );
      await sleep(1500);
      const idleRss = procRssBytes(target.process.pid);
      const step: StepResult = {
        clients,
        connect: {
          added: c.ok,
          failed: c.failed,
          perSecond: Math.round(c.ok / connectSec),
          p99Ms: c.p99Ms,
          serverCpuPercent,
        },
        idleRssBytes: idleRss,
        rssPerConnectionBytes:
          idleRss !== null && rss0 !== null && connected > 0 ? Math.round((idleRss - rss0) / connected) : null,
        maxDeliveredPerSec: 0,
        limit: 'none',
        floor: false,
        atMax: null,
        halfLoad: null,
        halfLoadTrials: [],
        overload: null,
        overloadHigh: null,
        trials: [],
      };
      result.steps.push(step);
      if (c.failed > 0) log(`${name} ${clients}: ${c.failed} clients failed to connect; measuring with ${connected}`);
      const fanOut = market ? marketFanOut(market, connected) : connected / BENCH_SYMBOLS.length;
      const ctx = {
        driver,
        fanOut,
        durationSec: options.durationSec,
        minDeliveredRatio: options.minDeliveredRatio,
        maxP99Ms: options.maxP99Ms,
      };
      // Warm-up (JIT, first frames to the new clients), not recorded.
      const warm = await runTrial({ ...ctx, durationSec: 2 }, nextStart / 2);
      log(`  warm-up: ${fmtTrial(warm)}`);
      const search = await searchMaxRate(ctx, nextStart, options.maxRate, options.bisections, (t) =>
        log(`  ${fmtTrial(t)}`),
      );
      step.maxDeliveredPerSec = search.maxDeliveredPerSec;
      step.atMax = search.best;
      step.limit = search.limit;
      step.trials = search.trials;
      step.floor = isFloor(step);
      if (search.maxDeliveredPerSec > 0) {
        for (let i = 0; i < options.halfLoadTrials; i++) {
          const trial = await runTrial(ctx, search.maxDeliveredPerSec / 2);
          step.halfLoadTrials.push(trial);
          log(`  half load: ${fmtTrial(trial)}`);
        }
        step.halfLoad = medianByP99(step.halfLoadTrials);
        const baselineRate = baselineHalfLoadRate(run.earlier, result, clients);
        if (baselineRate !== undefined) {
          step.atBaselineHalfLoadTrials = [];
          for (let i = 0; i < options.halfLoadTrials; i++) {
            const trial = await runTrial(ctx, baselineRate);
            step.atBaselineHalfLoadTrials.push(trial);
            log(`  at ${BASELINE_OF[name]}'s half load: ${fmtTrial(trial)}`);
          }
          step.atBaselineHalfLoad = medianByP99(step.atBaselineHalfLoadTrials);
        }
        if (options.overloadFactor > 0) {
          step.overload = await runTrial(ctx, search.maxDeliveredPerSec * options.overloadFactor);
          log(`  overload x${options.overloadFactor}: ${fmtTrial(step.overload)}`);
        }
        if (options.overloadFactor > 0 && options.overloadHighFactor > 0) {
          step.overloadHigh = await runTrial(ctx, search.maxDeliveredPerSec * options.overloadHighFactor);
          log(`  overload x${options.overloadHighFactor}: ${fmtTrial(step.overloadHigh)}`);
        }
        nextStart = Math.max(1000, Math.round(search.maxDeliveredPerSec * 0.6));
      }
      if (market)
        log(
          `  market: ${fanOut.toFixed(0)} subscribers per item; at the max the hottest symbol publishes ` +
            `${Math.round((search.maxDeliveredPerSec / fanOut) * hottestDepthShare(market))} depth deltas/s, and a ` +
            `client gets ${((search.maxDeliveredPerSec * market.batchMs) / 1000 / Math.max(1, connected)).toFixed(1)} ` +
            'frames per publish batch',
        );
      log(
        `${name}${market ? ' market' : ''} ${clients}: max sustained ${search.maxDeliveredPerSec.toLocaleString('en-US')} msgs/s ` +
          `(limit: ${search.limit}${step.floor ? '; load generator > 70 % of a core: a floor' : ''})`,
      );
    }
  } finally {
    await driver?.close();
    await target.process.stop();
    running.delete(target.process);
    if (target.redis) {
      await target.redis.stop();
      running.delete(target.redis);
    }
  }
}

/** Runs every target through every step, one target at a time, and returns the raw results. */
export async function runBenchmark(
  options: BenchOptions,
  log: (line: string) => void,
  running: RunningServers = new Set(),
  results: TargetResult[] = [],
): Promise<BenchRun> {
  const t0 = performance.now();
  // The Redis pair runs the price workload only: its goal is the price workload's, with Redis.
  const runs = options.workloads.flatMap((workload) =>
    options.targets
      .filter((target) => workload === 'price' || !target.endsWith('-redis'))
      .map((target) => ({ workload, target })),
  );
  const share = options.budgetSec > 0 ? (options.budgetSec * 1000) / runs.length : Number.POSITIVE_INFINITY;
  const pinned = pinSelf(options, log);
  const loadgen = chooseLoadGenerator(options, log);
  const loadAverageAtStart = loadavg()[0] ?? 0;
  log(
    `machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}, pinned ${pinned}, ` +
      `load generator ${loadgen.kind}, load average ${loadAverageAtStart.toFixed(2)}`,
  );
  if (loadAverageAtStart > cpus().length / 2)
    log('the machine is busy with other work: the servers will not get their core, and the figures show it');
  for (const [i, { workload, target: name }] of runs.entries()) {
    if (workload === 'market' && loadgen.kind !== 'native') {
      log('market workload: skipped, it needs the native load generator');
      continue;
    }
    if (i === 0 || runs[i - 1]?.workload !== workload) log(`workload ${workload}`);
    const result: TargetResult = { target: name, workload, steps: [] };
    results.push(result);
    try {
      // Each target's deadline leaves what an earlier one did not use to the later ones.
      const deadline = t0 + share * (i + 1);
      const earlier = results.slice(0, -1);
      await benchTarget(result, { options, earlier, loadgen, cpu: pinned ? 0 : undefined, log, running, deadline });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`${name}: failed: ${message}`);
      result.error = message.slice(0, 2000);
    }
  }
  return {
    options,
    pinned,
    loadGenerator: loadgen.kind,
    loadAverageAtStart,
    results,
    elapsedSec: Math.round((performance.now() - t0) / 1000),
  };
}
