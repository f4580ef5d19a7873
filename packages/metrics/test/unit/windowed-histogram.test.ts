import { describe, expect, it } from 'vitest';
import { SlidingWindowCounter, WindowedHistogram } from '../../src/index.js';

function manualClock(start = 5_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('WindowedHistogram', () => {
  it('keeps percentiles within 1/16 over six decades', () => {
    const clock = manualClock();
    const h = new WindowedHistogram(10, clock.now);
    // 1 µs .. 10 s, log-uniform: every decade is represented equally.
    const values = Array.from({ length: 7001 }, (_, i) => 10 ** (-6 + i / 1000));
    for (const v of values) h.observe(v);
    const sorted = [...values].sort((a, b) => a - b);
    const exact = (q: number) => sorted[Math.ceil(q * sorted.length) - 1] as number;
    const s = h.summary();
    expect(s.count).toBe(values.length);
    for (const [q, got] of [
      [0.5, s.p50],
      [0.95, s.p95],
      [0.99, s.p99],
    ] as const) {
      expect(Math.abs(got - exact(q)) / exact(q), `p${q * 100}`).toBeLessThan(1 / 16);
    }
  });

  it('answers exactly for a single repeated value and for values outside the bin range', () => {
    const clock = manualClock();
    const h = new WindowedHistogram(2, clock.now);
    for (let i = 0; i < 10; i++) h.observe(0.0123);
    expect(h.summary()).toEqual({ count: 10, avg: expect.closeTo(0.0123, 12), p50: 0.0123, p95: 0.0123, p99: 0.0123 });
    h.reset();
    h.observe(0);
    h.observe(1e-9);
    h.observe(500);
    const s = h.summary();
    expect(s.p50).toBeLessThan(1e-6); // underflow bin: reported as the window minimum
    expect(s.p99).toBe(500);
  });

  it('drops seconds that left the window and reuses their slots', () => {
    const clock = manualClock();
    const h = new WindowedHistogram(3, clock.now);
    h.observe(1);
    clock.advance(1000);
    h.observe(2);
    clock.advance(1000);
    h.observe(3);
    expect(h.summary().count).toBe(3);
    clock.advance(1000); // the slot of "1" is now outside the window
    expect(h.summary()).toMatchObject({ count: 2, avg: 2.5 });
    h.observe(4); // written into the slot that held "1"
    expect(h.summary()).toMatchObject({ count: 3, avg: 3 });
    clock.advance(10_000);
    expect(h.summary().count).toBe(0);
  });
});

describe('SlidingWindowCounter', () => {
  it('wraps around the ring without double counting', () => {
    const clock = manualClock(0);
    const c = new SlidingWindowCounter(3, clock.now);
    for (let sec = 0; sec < 20; sec++) {
      c.add(sec);
      clock.advance(1000);
      if (sec >= 2) expect(c.rate()).toBe((sec + (sec - 1) + (sec - 2)) / 3);
    }
  });
});
