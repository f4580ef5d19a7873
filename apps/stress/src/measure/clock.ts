import { performance } from 'node:perf_hooks';

/**
 * Read once per thread (each thread has its own origin, and `now()` counts from it). The import, unlike
 * the global `performance`, is not a lazy getter run on every access.
 */
const TIME_ORIGIN = performance.timeOrigin;

/**
 * Epoch milliseconds with sub-millisecond resolution. Every process on one machine derives it from the
 * same system clock, so a stamp taken by the publisher can be compared with one taken by a receiver.
 */
export function hiResNow(): number {
  return TIME_ORIGIN + performance.now();
}

/** Stamps further than this from now are not ours (e.g. a demo feed's volume), so they are ignored. */
const PLAUSIBLE_MS = 600_000;

/**
 * End-to-end latency in microseconds of a received message: from the publisher's sub-ms stamp when it
 * carries one, else from the message's epoch-ms `timestamp` (±1 ms resolution). `null` when neither fits.
 */
export function latencyMicros(now: number, hiResStamp: number | null, timestamp: number | null): number | null {
  if (hiResStamp !== null && Math.abs(now - hiResStamp) < PLAUSIBLE_MS) return (now - hiResStamp) * 1000;
  if (timestamp !== null && Math.abs(now - timestamp) < PLAUSIBLE_MS) return (now - timestamp) * 1000;
  return null;
}
