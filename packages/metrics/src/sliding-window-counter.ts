/** Per-second counts over the last `windowSec` seconds in a ring of slots: O(1) add, no allocation. */
export class SlidingWindowCounter {
  readonly #counts: Float64Array;
  readonly #seconds: Float64Array;
  readonly #windowSec: number;
  readonly #now: () => number;
  #startSec: number;

  constructor(windowSec: number, now: () => number) {
    this.#windowSec = windowSec;
    this.#now = now;
    // One extra slot holds the current, still-filling second.
    this.#counts = new Float64Array(windowSec + 1);
    this.#seconds = new Float64Array(windowSec + 1).fill(-1);
    this.#startSec = Math.floor(now() / 1000);
  }

  add(n: number): void {
    const sec = Math.floor(this.#now() / 1000);
    const i = sec % this.#counts.length;
    if (this.#seconds[i] !== sec) {
      this.#seconds[i] = sec;
      this.#counts[i] = 0;
    }
    this.#counts[i] = (this.#counts[i] ?? 0) + n;
  }

  /** Mean per second over the last complete seconds of the window (fewer right after start or reset). */
  rate(): number {
    const current = Math.floor(this.#now() / 1000);
    const span = Math.min(this.#windowSec, current - this.#startSec);
    if (span <= 0) return 0;
    let sum = 0;
    for (let sec = current - span; sec < current; sec++) {
      const i = sec % this.#counts.length;
      if (this.#seconds[i] === sec) sum += this.#counts[i] ?? 0;
    }
    return sum / span;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#seconds.fill(-1);
    this.#startSec = Math.floor(this.#now() / 1000);
  }
}
