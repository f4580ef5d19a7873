import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop delay p99 over a rolling window, from `perf_hooks.monitorEventLoopDelay`. */
export class EventLoopMonitor {
  readonly #histogram: IntervalHistogram;
  readonly #timer: NodeJS.Timeout;
  #previousP99Ms = 0;
  #closed = false;

  constructor(windowSec: number, resolutionMs: number) {
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#histogram.enable();
    // Start a fresh window every windowSec so the figure follows the present, not the process lifetime.
    this.#timer = setInterval(() => this.#rotate(), windowSec * 1000);
    this.#timer.unref();
  }

  /** p99 delay of the current window in ms, or of the previous window while the current one is still empty. */
  lagMs(): number {
    if (this.#closed) return 0;
    if (this.#histogram.count > 0) return this.#histogram.percentile(99) / 1e6;
    return this.#previousP99Ms;
  }

  reset(): void {
    this.#histogram.reset();
    this.#previousP99Ms = 0;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#histogram.disable();
  }

  #rotate(): void {
    if (this.#histogram.count > 0) this.#previousP99Ms = this.#histogram.percentile(99) / 1e6;
    this.#histogram.reset();
  }
}
