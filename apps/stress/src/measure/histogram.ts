import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** Values are recorded in microseconds; one hour is the ceiling (anything above is clamped). */
const HIGHEST_US = 3_600_000_000;

/** Percentiles of a latency or duration distribution, in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** A pure-JS HDR histogram of microsecond values (3 significant digits). */
export function createHistogram(): Histogram {
  return build({
    useWebAssembly: false,
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records a duration given in microseconds, clamped into the histogram's range. */
export function recordMicros(histogram: Histogram, micros: number): void {
  histogram.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(micros))));
}

/**
 * The counts layout `createHistogram()` builds (3 significant digits, lowest 1): values below 2048 have
 * one slot each, then every power of two is split into 1024 slots. `MicrosRecorder` indexes its own
 * counts the same way, so moving them into the histogram in bulk gives the very same histogram.
 */
const SUB_BUCKET_BITS = 10;
const SUB_BUCKETS = 1 << (SUB_BUCKET_BITS + 1);
const SLOTS = (22 << SUB_BUCKET_BITS) + SUB_BUCKETS;

/** The HDR counts index of an integer value below 2^32. */
function slotOf(value: number): number {
  const shift = Math.max(0, 31 - Math.clz32(value) - SUB_BUCKET_BITS);
  return (shift << SUB_BUCKET_BITS) + (value >>> shift);
}

/** The lowest value of a slot. */
function valueOfSlot(slot: number): number {
  if (slot < SUB_BUCKETS) return slot;
  const shift = (slot >> SUB_BUCKET_BITS) - 1;
  return ((slot & ((1 << SUB_BUCKET_BITS) - 1)) + (1 << SUB_BUCKET_BITS)) * 2 ** shift;
}

/**
 * Records microsecond values into an HDR histogram at the cost of one array increment each (instead of
 * hdr-histogram-js's log2 and pow per value): counts are kept in the histogram's own slot layout and
 * moved into it in bulk by `flush()`, with the exact smallest and largest values, so the result is the
 * histogram recording each value would give. Same clamping as `recordMicros`.
 */
export class MicrosRecorder {
  readonly histogram: Histogram = createHistogram();
  private readonly slots = new Uint32Array(SLOTS);
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  record(micros: number): void {
    const value = micros < 1 ? 1 : micros > HIGHEST_US ? HIGHEST_US : Math.round(micros);
    if (Number.isNaN(value)) {
      // Let the histogram deal with it as it always has.
      this.histogram.recordValue(value);
      return;
    }
    const slot = slotOf(value);
    this.slots[slot] = (this.slots[slot] as number) + 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Moves the counts into `histogram` and returns it. */
  flush(): Histogram {
    if (this.max === 0) return this.histogram;
    const { slots } = this;
    const low = slotOf(this.min);
    const high = slotOf(this.max);
    for (let slot = low; slot <= high; slot++) {
      const count = slots[slot] as number;
      if (count === 0) continue;
      // The extremes go in as themselves, so the histogram's min and max are exact.
      const value = slot === high ? this.max : slot === low ? this.min : valueOfSlot(slot);
      this.histogram.recordValueWithCount(value, count);
      slots[slot] = 0;
    }
    this.min = Number.POSITIVE_INFINITY;
    this.max = 0;
    return this.histogram;
  }
}

/** Compact text form, to move a histogram between threads or into a report. */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** Adds an encoded histogram into `target`. */
export function addEncoded(target: Histogram, encoded: string): void {
  if (encoded === '') return;
  const decoded = decodeFromCompressedBase64(encoded, 32, false);
  target.add(decoded);
  decoded.destroy();
}

const ms = (us: number) => Math.round(us) / 1000;

/** Milliseconds summary of a microsecond histogram; zeros when empty. */
export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: histogram.totalCount,
    mean: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
  };
}
