/**
 * Wall time and the one-shot timers that wait for it, as one injectable object: deadlines (token expiry)
 * read `now` and arm `setTimeout` from the same source, so a test that owns the clock decides when they are
 * due instead of racing them against real connections.
 */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Calls `callback` once, `ms` from now; the returned handle is what `clearTimeout` takes. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer armed by this clock's `setTimeout`; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: unknown): void;
}

/** `Date.now` and Node's timers; the timers are unref'd: a pending deadline does not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};
