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

/** Values below this many µs (about 1 s: latencies of an overloaded server included) are counted flat. */
const FLAT_US = 1 << 20;

/**
 * Records microsecond values into an HDR histogram at the cost of one array increment each: values below
 * 2^20 µs are counted exactly in a flat array (4 MiB, one per thread's stats) and moved into the histogram
 * in bulk by `flush()` (the same histogram as recording each one); larger values go straight in. Same
 * clamping as `recordMicros`.
 */
export class MicrosRecorder {
  readonly histogram: Histogram = createHistogram();
  private readonly flat = new Uint32Array(FLAT_US);
  /** The flat range touched since the last flush, so a flush scans only that. */
  private low = FLAT_US;
  private high = -1;

  record(micros: number): void {
    const value = micros < 1 ? 1 : micros > HIGHEST_US ? HIGHEST_US : Math.round(micros);
    if (value < FLAT_US) {
      this.flat[value] = (this.flat[value] as number) + 1;
      if (value < this.low) this.low = value;
      if (value > this.high) this.high = value;
    } else {
      this.histogram.recordValue(value);
    }
  }

  /** Moves the flat counts into `histogram` and returns it. */
  flush(): Histogram {
    const { flat } = this;
    for (let value = this.low; value <= this.high; value++) {
      const count = flat[value] as number;
      if (count === 0) continue;
      this.histogram.recordValueWithCount(value, count);
      flat[value] = 0;
    }
    this.low = FLAT_US;
    this.high = -1;
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
