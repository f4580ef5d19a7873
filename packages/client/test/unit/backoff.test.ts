import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/backoff.js';

describe('backoffDelay', () => {
  it('is full jitter: random × min(max, min·2^attempt)', () => {
    expect(backoffDelay(0, 100, 10_000, () => 0.5)).toBe(50);
    expect(backoffDelay(3, 100, 10_000, () => 0.5)).toBe(400);
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(0);
    expect(backoffDelay(3, 100, 10_000, () => 0.999)).toBe(799);
  });

  it('never exceeds max, even for huge attempts', () => {
    for (const attempt of [10, 50, 1_000, Number.MAX_SAFE_INTEGER]) {
      const d = backoffDelay(attempt, 100, 5_000, () => 0.9999);
      expect(d).toBeLessThan(5_000);
      expect(Number.isFinite(d)).toBe(true);
    }
  });

  it('spreads clients over the window', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(4, 100, 10_000));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(1_600);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});
