import { performance } from 'node:perf_hooks';

/** Read once: the import, unlike the global `performance`, is not a lazy getter run on every access. */
const TIME_ORIGIN = performance.timeOrigin;

/**
 * Epoch milliseconds with sub-millisecond resolution: the clock of propagation latency. Processes on one
 * machine read the same system clock, so a publish time stamped on one node can be compared with a write
 * time on another; across machines the figure includes their clock offset (keep them NTP-synchronised).
 */
export function epochNow(): number {
  return TIME_ORIGIN + performance.now();
}
