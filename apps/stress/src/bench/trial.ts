import type { LoadDriver } from './load-driver.js';

/** One fixed-rate run: what was offered, what arrived, how fast, and what it cost. */
export interface TrialResult {
  /** Offered delivered msgs/s: publishes/s × subscribers per symbol. */
  offeredPerSec: number;
  deliveredPerSec: number;
  deliveredRatio: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server CPU% (100 = one core). */
  serverCpuPercent: number | null;
  /** Load generator CPU% (its process; 100 = one core); above 70 its figure is a floor. */
  loadgenCpuPercent: number | null;
  publisherFailed: number;
  publisherMaxLagMs: number;
  drops: number;
  gaps: number;
  /** How long deliveries kept coming after publishing stopped (ms): a backlog in the server. */
  drainMs: number;
  sustained: boolean;
}

/** What stopped the rate from going higher, judged from the first failing trial. */
export type Limit = 'server-cpu' | 'load-generator-cpu' | 'latency' | 'delivery' | 'none';

/** Above this share of a core (%), the load generator may be what limits a trial: its figure is a floor. */
export const LOADGEN_FLOOR_PERCENT = 70;

/** Server CPU (%) from which a failing trial is the server's limit. */
export const SATURATED_CPU_PERCENT = 90;

export function limitOf(failed: TrialResult | undefined, maxP99Ms: number): Limit {
  if (failed === undefined) return 'none';
  // A load generator that keeps up reads often and looks busy too: a saturated server is the limit first.
  if ((failed.serverCpuPercent ?? 0) >= SATURATED_CPU_PERCENT) return 'server-cpu';
  if ((failed.loadgenCpuPercent ?? 0) >= LOADGEN_FLOOR_PERCENT) return 'load-generator-cpu';
  if (failed.p99Ms > maxP99Ms) return 'latency';
  return 'delivery';
}

export interface TrialContext {
  driver: LoadDriver;
  /** Subscribers per published item (on average, market): every publish is delivered this many times. */
  fanOut: number;
  durationSec: number;
  minDeliveredRatio: number;
  maxP99Ms: number;
}

/** What was published in the window and is still in flight arrives within this grace (ms). */
const GRACE_MS = 300;
const DRAIN_BOUND_MS = 15_000;

/** Offers `offeredPerSec` delivered msgs/s for the trial's duration and measures what arrives. */
export async function runTrial(ctx: TrialContext, offeredPerSec: number): Promise<TrialResult> {
  await ctx.driver.drain(DRAIN_BOUND_MS);
  const publishRate = offeredPerSec / ctx.fanOut;
  const o = await ctx.driver.offer(publishRate, ctx.durationSec, GRACE_MS);
  const drainMs = await ctx.driver.drain(DRAIN_BOUND_MS);
  // Against what was actually offered (ticks quantise the count); a publisher that fell behind fails below.
  const expected = o.expected ?? o.offered * ctx.fanOut;
  const deliveredRatio = expected > 0 ? o.received / expected : 0;
  const publisherKeptUp = o.offered >= ctx.minDeliveredRatio * publishRate * o.windowSec - 1;
  const result: TrialResult = {
    offeredPerSec: Math.round(offeredPerSec),
    deliveredPerSec: Math.round(o.received / o.windowSec),
    deliveredRatio: Math.round(deliveredRatio * 1000) / 1000,
    p50Ms: o.p50Ms,
    p99Ms: o.p99Ms,
    maxMs: o.maxMs,
    serverCpuPercent: o.serverCpuPercent,
    loadgenCpuPercent: o.generatorCpuPercent,
    publisherFailed: o.failed,
    publisherMaxLagMs: Math.round(o.maxLagMs),
    drops: o.drops,
    gaps: o.gaps,
    drainMs,
    sustained: false,
  };
  result.sustained =
    publisherKeptUp &&
    deliveredRatio >= ctx.minDeliveredRatio &&
    o.p99Ms <= ctx.maxP99Ms &&
    o.failed === 0 &&
    o.drops === 0;
  return result;
}

export interface SearchResult {
  /** Highest sustained delivered msgs/s (measured, not offered). */
  maxDeliveredPerSec: number;
  /** The sustained trial it comes from, or null if no rate was sustained. */
  best: TrialResult | null;
  /** What stopped the search: the lowest failing trial above the best. */
  limit: Limit;
  trials: TrialResult[];
}

/**
 * Raises the offered rate ×1.5 until a trial is not sustained, then bisects between the last sustained and
 * the first failing rate (or stops at `maxRate`, or when past `deadline`); the first failure while raising
 * is confirmed by one more trial at the same rate. While lowering and bisecting, a failure with the server
 * below saturation is run once more (at most twice a search). Bounded: at most 13 raising trials, 5
 * lowering ones, `bisections` more, and those 2 repeats.
 */
const MAX_PAUSE_RETRIES = 2;

export async function searchMaxRate(
  ctx: TrialContext,
  startRate: number,
  maxRate: number,
  bisections: number,
  log: (t: TrialResult) => void,
  deadline = Number.POSITIVE_INFINITY,
): Promise<SearchResult> {
  const late = () => performance.now() > deadline;
  const trials: TrialResult[] = [];
  let best: TrialResult | null = null;
  let low = 0;
  let high: number | null = null;
  let retries = 0;
  const attempt = async (rate: number, retryPause: boolean) => {
    for (let repeat = 0; ; repeat++) {
      const t = await runTrial(ctx, rate);
      trials.push(t);
      log(t);
      if (t.sustained && (best === null || t.deliveredPerSec > best.deliveredPerSec)) best = t;
      // Failing with the server below saturation is a pause (the server settling after an overloaded trial,
      // a neighbour), not its limit: believed only the second time. Below the first failure that pause
      // would halve the result.
      const paused = !t.sustained && (t.serverCpuPercent ?? SATURATED_CPU_PERCENT) < SATURATED_CPU_PERCENT;
      if (!retryPause || !paused || repeat > 0 || retries >= MAX_PAUSE_RETRIES || late()) return t.sustained;
      retries++;
    }
  };
  let rate = Math.min(startRate, maxRate);
  let confirmed = false;
  for (let i = 0; i < 12 && high === null && !late(); i++) {
    // A first failure while raising is run once more: one pause (GC, a neighbour) must not end the search.
    let ok = await attempt(rate, false);
    if (!ok && !confirmed && !late()) {
      confirmed = true;
      ok = await attempt(rate, false);
    }
    if (ok) {
      low = rate;
      if (rate >= maxRate) break;
      rate = Math.min(rate * 1.5, maxRate);
    } else high = rate;
  }
  for (let i = 0; i < 5 && low === 0 && high !== null && !late(); i++) {
    rate = high / 2;
    if (await attempt(rate, true)) low = rate;
    else high = rate;
  }
  for (let i = 0; i < bisections && low > 0 && high !== null && !late(); i++) {
    const mid = (low + high) / 2;
    if (await attempt(mid, true)) low = mid;
    else high = mid;
  }
  const found = best as TrialResult | null;
  const failing = trials
    .filter((t) => !t.sustained && t.offeredPerSec > (found?.offeredPerSec ?? 0))
    .sort((a, b) => a.offeredPerSec - b.offeredPerSec)[0];
  return {
    maxDeliveredPerSec: found?.deliveredPerSec ?? 0,
    best: found,
    limit: limitOf(failing, ctx.maxP99Ms),
    trials,
  };
}
