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
    const { points: limit, blockDuration } = this.#options;
    const now = this.#clock.now();
    let entry = this.#keys.get(key);
    const first = entry === undefined || entry.expiresAt <= now;
    if (entry === undefined || first) {
      entry = { consumed: 0, expiresAt: now + this.#options.duration * 1000 };
      this.#keys.set(key, entry);
      this.#armSweep();
    }
    entry.consumed += points;
    // Blocked only on the step that first goes over, as RateLimiterMemory does.
    if (entry.consumed > limit && blockDuration > 0 && entry.consumed <= limit + points) {
      entry.expiresAt = now + blockDuration * 1000;
    }
    const res = new RateLimiterRes(Math.max(limit - entry.consumed, 0), entry.expiresAt - now, entry.consumed, first);
    return entry.consumed > limit ? Promise.reject(res) : Promise.resolve(res);
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
