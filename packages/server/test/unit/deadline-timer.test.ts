import { ManualClock } from '@ws/test-support';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineTimer } from '../../src/admission/deadline-timer.js';

type Item = { name: string };
const item = (name: string): Item => ({ name });

describe('DeadlineTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires every item once at its own time, in time order, items of the same time together', () => {
    const fired: string[] = [];
    const timer = new DeadlineTimer<Item>((i) => fired.push(`${i.name}@${Date.now() % 100_000}`));
    const now = Date.now();
    timer.schedule(item('c'), now + 3000);
    timer.schedule(item('a'), now + 1000);
    const b = item('b');
    timer.schedule(b, now + 2000);
    timer.schedule(b, now + 2000);
    timer.schedule(item('b2'), now + 2000);
    expect(timer.size).toBe(4);
    vi.advanceTimersByTime(999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['a@1000']);
    vi.advanceTimersByTime(5000);
    expect(fired).toEqual(['a@1000', 'b@2000', 'b2@2000', 'c@3000']);
    expect(timer.size).toBe(0);
  });

  it('cancel forgets one item at one time and leaves the others of that time', () => {
    const fired: string[] = [];
    const timer = new DeadlineTimer<Item>((i) => fired.push(i.name));
    const at = Date.now() + 1000;
    const [a, b, c] = [item('a'), item('b'), item('c')];
    timer.schedule(a, at);
    timer.schedule(b, at);
    timer.schedule(c, at + 500);
    timer.cancel(a, at + 1); // another time: nothing
    timer.cancel(a, at);
    timer.cancel(a, at); // twice: nothing
    timer.cancel(c, at + 500);
    expect(timer.size).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual(['b']);
  });

  it('a time already past is due on the next timer turn, not during schedule', () => {
    const fired: string[] = [];
    const timer = new DeadlineTimer<Item>((i) => fired.push(i.name));
    timer.schedule(item('late'), Date.now() - 5000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['late']);
  });

  it('a callback may cancel and schedule: a cancelled item of the same time does not fire', () => {
    const fired: string[] = [];
    const at = Date.now() + 1000;
    const [a, b] = [item('a'), item('b')];
    const timer: DeadlineTimer<Item> = new DeadlineTimer<Item>((i) => {
      fired.push(i.name);
      if (i === a) {
        timer.cancel(b, at + 1);
        timer.schedule(item('again'), Date.now() + 10);
      }
    });
    timer.schedule(a, at);
    timer.schedule(b, at + 1);
    vi.advanceTimersByTime(2000);
    expect(fired).toEqual(['a', 'again']);
  });

  it('waits beyond setTimeout’s 2^31-1 ms cap without firing early', () => {
    const fired: string[] = [];
    const timer = new DeadlineTimer<Item>((i) => fired.push(i.name));
    const at = Date.now() + 2 ** 31 + 60_000;
    timer.schedule(item('far'), at);
    vi.advanceTimersByTime(2 ** 31);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(60_000);
    expect(fired).toEqual(['far']);
  });

  it('an earlier item scheduled later re-arms the timer for it', () => {
    const fired: string[] = [];
    const timer = new DeadlineTimer<Item>((i) => fired.push(i.name));
    timer.schedule(item('late'), Date.now() + 60_000);
    timer.schedule(item('early'), Date.now() + 100);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['early']);
  });

  it('a failing callback does not stop the others; its error surfaces after them', () => {
    const fired: string[] = [];
    const timer = new DeadlineTimer<Item>((i) => {
      if (i.name === 'bad') throw new Error('boom');
      fired.push(i.name);
    });
    const at = Date.now() + 100;
    timer.schedule(item('bad'), at);
    timer.schedule(item('good'), at);
    timer.schedule(item('next'), at + 100);
    expect(() => vi.advanceTimersByTime(100)).toThrow('boom');
    expect(fired).toEqual(['good']);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['good', 'next']);
  });

  it('many cancelled times (connections that came and went) neither fire nor pile up', () => {
    const fired: string[] = [];
    const timer = new DeadlineTimer<Item>((i) => fired.push(i.name));
    const base = Date.now() + 10_000;
    const kept = item('kept');
    timer.schedule(kept, base + 5000);
    for (let i = 0; i < 1000; i++) {
      const gone = item(`gone-${i}`);
      timer.schedule(gone, base + i);
      timer.cancel(gone, base + i);
    }
    expect(timer.size).toBe(1);
    vi.advanceTimersByTime(20_000);
    expect(fired).toEqual(['kept']);
  });

  it('clear forgets everything', () => {
    const fired: string[] = [];
    const timer = new DeadlineTimer<Item>((i) => fired.push(i.name));
    timer.schedule(item('a'), Date.now() + 10);
    timer.clear();
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
    expect(timer.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reads time and arms its timer only through an injected clock', () => {
    const clock = new ManualClock(1_000_000);
    const fired: string[] = [];
    const timer = new DeadlineTimer<Item>((i) => fired.push(`${i.name}@${clock.now()}`), clock);
    timer.schedule(item('b'), 1_002_000);
    timer.schedule(item('a'), 1_001_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(clock.pending).toBe(1);
    vi.advanceTimersByTime(10_000); // the system's time does not move it
    clock.advanceTo(1_000_999);
    expect(fired).toEqual([]);
    clock.advanceTo(1_002_000);
    expect(fired).toEqual(['a@1001000', 'b@1002000']);
    expect(clock.pending).toBe(0);
    timer.schedule(item('c'), 1_003_000);
    timer.clear();
    expect(clock.pending).toBe(0);
  });
});
