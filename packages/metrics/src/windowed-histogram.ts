// Log-linear bins: 16 linear sub-bins per power of two bound the relative error of a percentile to 1/16 (6.25%).
const SUB_BINS = 16;
const MIN_EXP = -20; // 2^-20 s ≈ 0.95 µs; smaller values land in the underflow bin
const MAX_EXP = 7; // 2^7 s = 128 s; larger values land in the overflow bin
const BIN_COUNT = (MAX_EXP - MIN_EXP) * SUB_BINS + 2;
const OVERFLOW = BIN_COUNT - 1;

function binOf(value: number): number {
  if (value < 2 ** MIN_EXP) return 0;
  const exp = Math.floor(Math.log2(value));
  if (exp >= MAX_EXP) return OVERFLOW;
  const sub = Math.min(SUB_BINS - 1, Math.floor((value / 2 ** exp - 1) * SUB_BINS));
  return 1 + (exp - MIN_EXP) * SUB_BINS + sub;
}

/** Geometric middle of a bin: the value that minimises the worst relative error within it. */
function binValue(bin: number): number {
  const offset = bin - 1;
  const exp = MIN_EXP + Math.floor(offset / SUB_BINS);
  const sub = offset % SUB_BINS;
  const low = 2 ** exp * (1 + sub / SUB_BINS);
  const high = 2 ** exp * (1 + (sub + 1) / SUB_BINS);
  return Math.sqrt(low * high);
}

interface Slot {
  second: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  readonly bins: Uint32Array;
}

export interface HistogramSummary {
  count: number;
  avg: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Percentiles over the last `windowSec` seconds: a ring of per-second log-linear histograms.
 * `observe` is O(1) without allocation; `summary` merges the ring (windowSec × ~430 bins).
 */
export class WindowedHistogram {
  readonly #slots: Slot[];
  readonly #windowSec: number;
  readonly #now: () => number;
  readonly #merged = new Uint32Array(BIN_COUNT);

  constructor(windowSec: number, now: () => number) {
    this.#windowSec = windowSec;
    this.#now = now;
    this.#slots = Array.from({ length: windowSec }, () => ({
      second: -1,
      count: 0,
      sum: 0,
      min: Number.POSITIVE_INFINITY,
      max: 0,
      bins: new Uint32Array(BIN_COUNT),
    }));
  }

  /**
   * Records `count` observations of one value (any unit, as long as it is the same everywhere); negative or
   * non-finite values and counts below 1 are ignored.
   */
  observe(value: number, count = 1): void {
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY || !(count >= 1) || count === Number.POSITIVE_INFINITY) {
      return;
    }
    const n = Math.floor(count);
    const sec = Math.floor(this.#now() / 1000);
    const slot = this.#slots[sec % this.#windowSec];
    if (slot === undefined) return;
    if (slot.second !== sec) clearSlot(slot, sec);
    slot.count += n;
    slot.sum += value * n;
    if (value < slot.min) slot.min = value;
    if (value > slot.max) slot.max = value;
    const bin = binOf(value);
    slot.bins[bin] = (slot.bins[bin] ?? 0) + n;
  }

  /** Count, mean and percentiles of the window; all zero when it holds no observation. */
  summary(): HistogramSummary {
    const current = Math.floor(this.#now() / 1000);
    const merged = this.#merged;
    merged.fill(0);
    let count = 0;
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const slot of this.#slots) {
      if (slot.count === 0 || slot.second <= current - this.#windowSec || slot.second > current) continue;
      count += slot.count;
      sum += slot.sum;
      if (slot.min < min) min = slot.min;
      if (slot.max > max) max = slot.max;
      for (let i = 0; i < BIN_COUNT; i++) merged[i] = (merged[i] ?? 0) + (slot.bins[i] ?? 0);
    }
    if (count === 0) return { count: 0, avg: 0, p50: 0, p95: 0, p99: 0 };
    const percentile = (q: number): number => {
      const rank = Math.max(1, Math.ceil(q * count));
      let seen = 0;
      for (let i = 0; i < BIN_COUNT; i++) {
        seen += merged[i] ?? 0;
        if (seen >= rank) {
          if (i === 0) return min;
          if (i === OVERFLOW) return max;
          // The true value lies in this bin and within the window's observed range.
          return Math.min(max, Math.max(min, binValue(i)));
        }
      }
      return max;
    };
    return { count, avg: sum / count, p50: percentile(0.5), p95: percentile(0.95), p99: percentile(0.99) };
  }

  reset(): void {
    for (const slot of this.#slots) clearSlot(slot, -1);
  }
}

function clearSlot(slot: Slot, second: number): void {
  slot.second = second;
  slot.count = 0;
  slot.sum = 0;
  slot.min = Number.POSITIVE_INFINITY;
  slot.max = 0;
  slot.bins.fill(0);
}
