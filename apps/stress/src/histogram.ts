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
