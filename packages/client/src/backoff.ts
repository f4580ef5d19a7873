/**
 * Full-jitter exponential backoff: a uniformly random delay in [0, min(max, min · 2^attempt)], so
 * clients dropped together by a restart do not come back together.
 */
export function backoffDelay(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const cap = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * Math.max(cap, 0));
}
