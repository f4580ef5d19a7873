import { RateLimiterRes } from 'rate-limiter-flexible';
import { type Clock, systemClock } from '../clock.js';

/** What the rate limiter needs of a store: rate-limiter-flexible's limiters and `MemoryRateLimiter` both fit. */
export interface PointLimiter {
  /** Resolves with the result, or rejects with a `RateLimiterRes` over the limit (anything else is a store failure). */
  consume(key: string, points?: number): Promise<RateLimiterRes>;
  delete(key: string): Promise<boolean>;
}

export interface MemoryRateLimiterOptions {
  /** Points per window. */
  points: number;
  /** Window length, seconds. */
  duration: number;
  /** Seconds a key stays refused once it went over (0: only until its window ends). */
  blockDuration: number;
}

/**
 * rate-limiter-flexible's `RateLimiterMemory` semantics (a fixed window per key from its first point; going
 * over blocks the key for `blockDuration`), on an injectable `Clock`: that limiter reads `Date.now` and arms
 * `setTimeout` itself, so a test could only wait windows out in real time. Expired keys are dropped by one
 * sweep timer per limiter, not a timer per key.
 */
export class MemoryRateLimiter implements PointLimiter {
  readonly #options: MemoryRateLimiterOptions;
  readonly #clock: Clock;
  readonly #keys = new Map<string, { consumed: number; expiresAt: number }>();
  #sweep: unknown;

  constructor(options: MemoryRateLimiterOptions, clock: Clock = systemClock) {
    this.#options = options;
    this.#clock = clock;
  }

  consume(key: string, points = 1): Promise<RateLimiterRes> {
    const now = this.#clock.now();
    const before = this.#keys.get(key);
    const first = before === undefined || before.expiresAt <= now;
    const entry = this.#add(key, points, now);
    const limit = this.#options.points;
    const res = new RateLimiterRes(Math.max(limit - entry.consumed, 0), entry.expiresAt - now, entry.consumed, first);
    return entry.consumed > limit ? Promise.reject(res) : Promise.resolve(res);
  }

  /**
   * `consume` without a promise or a result object, for callers on a hot path: -1 when the points were
   * accepted, else the milliseconds until the key may consume again (> 0).
   */
  chargeNow(key: string, points = 1): number {
    const now = this.#clock.now();
    const entry = this.#add(key, points, now);
    return entry.consumed > this.#options.points ? entry.expiresAt - now : -1;
  }

  /** Adds the points to the key's window (a new one when it has none or it ended) and starts a block. */
  #add(key: string, points: number, now: number): { consumed: number; expiresAt: number } {
    const { points: limit, blockDuration } = this.#options;
    let entry = this.#keys.get(key);
    if (entry === undefined || entry.expiresAt <= now) {
      entry = { consumed: 0, expiresAt: now + this.#options.duration * 1000 };
      this.#keys.set(key, entry);
      this.#armSweep();
    }
    entry.consumed += points;
    // Blocked only on the step that first goes over, as RateLimiterMemory does.
    if (entry.consumed > limit && blockDuration > 0 && entry.consumed <= limit + points) {
      entry.expiresAt = now + blockDuration * 1000;
    }
    return entry;
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.#keys.delete(key));
  }

  #armSweep(): void {
    if (this.#sweep !== undefined) return;
    const every = Math.max(this.#options.duration, this.#options.blockDuration) * 1000;
    this.#sweep = this.#clock.setTimeout(() => {
      this.#sweep = undefined;
      const now = this.#clock.now();
      for (const [key, entry] of this.#keys) if (entry.expiresAt <= now) this.#keys.delete(key);
      if (this.#keys.size > 0) this.#armSweep();
    }, every);
  }
}
