import type { Registry } from 'prom-client';

/** One label set's buckets; obtained once with `series()` so the hot path does no label hashing. */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket (not cumulative); the last slot is `+Inf`. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * A Prometheus histogram that takes a weight with each observation: one frame written to 5 000 recipients
 * at the same moment is 5 000 observations of one value, recorded in O(buckets) instead of 5 000 calls of
 * prom-client's `observe`. Registered on a prom-client `Registry` like its own metrics (`get()`/`reset()`).
 */
export class WeightedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #buckets: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
    registers: readonly Registry[],
  ) {
    this.#buckets = [...buckets].sort((a, b) => a - b);
    for (const registry of registers) registry.registerMetric(this as never);
  }

  /** The series of `labels`, created on first use (keep it: `observe` on it is allocation-free). */
  series(labels: Readonly<Record<string, string>> = {}): HistogramSeries {
    const key = JSON.stringify(labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { labels, counts: new Float64Array(this.#buckets.length + 1), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    return s;
  }

  /** `weight` observations of `value`; non-finite or negative values and weights are ignored. */
  observe(series: HistogramSeries, value: number, weight = 1): void {
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY || !(weight > 0) || weight === Number.POSITIVE_INFINITY) {
      return;
    }
    const buckets = this.#buckets;
    let i = 0;
    while (i < buckets.length && value > (buckets[i] as number)) i++;
    series.counts[i] = (series.counts[i] ?? 0) + weight;
    series.sum += value * weight;
    series.count += weight;
  }

  /** prom-client's metric shape: cumulative `_bucket` samples with `le`, then `_sum` and `_count`, per series. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportedValue[] }> {
    const values: ExportedValue[] = [];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.#buckets.length; i++) {
        cumulative += s.counts[i] ?? 0;
        const le = i < this.#buckets.length ? (this.#buckets[i] as number) : '+Inf';
        values.push({ labels: { ...s.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Zeroes every series (the series objects stay valid). */
  reset(): void {
    for (const s of this.#series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
