import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReconnectScheduler } from '../../src/reconnect-scheduler.js';

describe('ReconnectScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('one shutdown is one hint: the first delay is honoured, later ones are dropped until connected again', () => {
    const s = new ReconnectScheduler(0, 0);
    expect(s.hint_(3_000)).toBe(true);
    expect(s.hint_(10)).toBe(false);
    expect(s.hint_(9_000)).toBe(false);
    const run = vi.fn();
    expect(s.schedule_(run)).toBe(3_000);
    vi.advanceTimersByTime(2_999);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledOnce();
    // The hint is consumed by the attempt it delayed; the next failure backs off normally.
    expect(s.schedule_(run)).toBe(0);
    vi.runAllTimers();
    expect(s.hint_(500)).toBe(false);
    s.connected_();
    expect(s.hint_(500)).toBe(true);
  });

  it('one attempt is pending at a time; it waits at least what a refusal asked for', () => {
    const s = new ReconnectScheduler(100, 1_000);
    const run = vi.fn();
    const delay = s.schedule_(run, 5_000);
    expect(delay).toBe(5_000);
    expect(s.pending_).toBe(true);
    expect(s.schedule_(run)).toBeUndefined();
    s.cancel_();
    expect(s.pending_).toBe(false);
    vi.runAllTimers();
    expect(run).not.toHaveBeenCalled();
  });
});
