/** One reading of the gateway's own process metrics from its Prometheus `/metrics`. */
export interface GatewaySample {
  at: number;
  cpuSeconds: number | null;
  rssBytes: number | null;
  heapUsedBytes: number | null;
  eventLoopLagP99Seconds: number | null;
}

/** Summary of the gateway's resource use over a run. */
export interface GatewayUsage {
  samples: number;
  cpuPercent: { avg: number; max: number } | null;
  rssBytes: { avg: number; max: number } | null;
  heapUsedBytes: { max: number } | null;
  eventLoopLagP99Ms: { max: number } | null;
  /** Why there is nothing, e.g. `/metrics` unreachable. */
  error?: string;
}

/** The value of an unlabelled series (`name 12.5`), or null. */
export function readSeries(text: string, name: string): number | null {
  const re = new RegExp(`^${name}(?:\\{[^}]*\\})? ([^ \\n]+)`, 'm');
  const match = re.exec(text);
  if (!match?.[1]) return null;
  const value = Number(match[1]);
  return Number.isFinite(value) ? value : null;
}

export function parseSample(text: string, at: number): GatewaySample {
  return {
    at,
    cpuSeconds: readSeries(text, 'process_cpu_seconds_total'),
    rssBytes: readSeries(text, 'process_resident_memory_bytes'),
    heapUsedBytes: readSeries(text, 'nodejs_heap_size_used_bytes'),
    eventLoopLagP99Seconds: readSeries(text, 'nodejs_eventloop_lag_p99_seconds'),
  };
}

/** Polls `/metrics` on an interval; never throws, remembers the last error. */
export class GatewayMetricsPoller {
  private readonly samples: GatewaySample[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastError: string | undefined;
  private busy = false;

  constructor(
    private readonly metricsUrl: string,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const res = await fetch(this.metricsUrl, { signal: AbortSignal.timeout(Math.max(1000, this.intervalMs)) });
      if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
      this.samples.push(parseSample(await res.text(), performance.now()));
      if (this.samples.length > 100_000) this.samples.splice(0, 50_000);
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
    } finally {
      this.busy = false;
    }
  }

  /** The latest CPU% (over the last two samples) and RSS, for the progress line. */
  latest(): { cpuPercent: number | null; rssBytes: number | null } {
    const b = this.samples.at(-1);
    const a = this.samples.at(-2);
    return { cpuPercent: a && b ? cpuBetween(a, b) : null, rssBytes: b?.rssBytes ?? null };
  }

  async stop(): Promise<GatewayUsage> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return summarizeSamples(this.samples, this.lastError);
  }
}

function cpuBetween(a: GatewaySample, b: GatewaySample): number | null {
  if (a.cpuSeconds === null || b.cpuSeconds === null || b.at <= a.at) return null;
  return ((b.cpuSeconds - a.cpuSeconds) / ((b.at - a.at) / 1000)) * 100;
}

export function summarizeSamples(samples: readonly GatewaySample[], error?: string): GatewayUsage {
  const cpu: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    const v = a && b ? cpuBetween(a, b) : null;
    if (v !== null) cpu.push(v);
  }
  const rss = samples.flatMap((s) => (s.rssBytes === null ? [] : [s.rssBytes]));
  const heap = samples.flatMap((s) => (s.heapUsedBytes === null ? [] : [s.heapUsedBytes]));
  const lag = samples.flatMap((s) => (s.eventLoopLagP99Seconds === null ? [] : [s.eventLoopLagP99Seconds * 1000]));
  const avg = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    samples: samples.length,
    cpuPercent: cpu.length > 0 ? { avg: round(avg(cpu)), max: round(Math.max(...cpu)) } : null,
    rssBytes: rss.length > 0 ? { avg: Math.round(avg(rss)), max: Math.max(...rss) } : null,
    heapUsedBytes: heap.length > 0 ? { max: Math.max(...heap) } : null,
    eventLoopLagP99Ms: lag.length > 0 ? { max: round(Math.max(...lag)) } : null,
    ...(samples.length === 0 && error !== undefined ? { error } : {}),
  };
}
