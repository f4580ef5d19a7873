import { ManualClock } from '@ws/test-support';
import { describe, expect, it } from 'vitest';
import { parseBusMessage } from '../../src/state/redis-sequence-store.js';
import { MemoryUserStreamHistory } from '../../src/state/user-stream-history.js';

const entry = (seq: number) => ({ seq, event: 'order.new', payload: { seq } });

describe('MemoryUserStreamHistory', () => {
  it('returns exactly the events after a seq, complete when nothing is missing', () => {
    const clock = new ManualClock();
    const h = new MemoryUserStreamHistory({ windowMs: 60_000, maxEvents: 10 }, clock);
    for (let s = 1; s <= 5; s++) h.append('orders:a', entry(s));
    expect(h.since('orders:a', 2)).toEqual({
      complete: true,
      current: 5,
      entries: [entry(3), entry(4), entry(5)].map((e) => ({ ...e, time: clock.now() })),
    });
    expect(h.since('orders:a', 5)).toEqual({ complete: true, entries: [], current: 5 });
    expect(h.since('orders:never', 0)).toEqual({ complete: true, entries: [], current: 0 });
  });

  it('is incomplete when events were trimmed, are past the window, or the client claims a seq from the future', () => {
    const h = new MemoryUserStreamHistory({ windowMs: 1_000, maxEvents: 3 });
    for (let s = 1; s <= 5; s++) h.append('orders:a', entry(s));
    expect(h.since('orders:a', 1).complete).toBe(false);
    expect(h.since('orders:a', 2).complete).toBe(true);
    expect(h.since('orders:a', 9).complete).toBe(false);
    const clock = new ManualClock();
    const old = new MemoryUserStreamHistory({ windowMs: 1_000, maxEvents: 10 }, clock);
    old.append('wallet:a', entry(1));
    clock.advance(1_000);
    old.append('wallet:a', entry(2));
    // The window's last millisecond still holds the first event.
    expect(old.since('wallet:a', 0).complete).toBe(true);
    clock.advance(1);
    expect(old.since('wallet:a', 0).complete).toBe(false);
    expect(old.since('wallet:a', 1).complete).toBe(true);
    old.sweep();
    expect(old.since('wallet:a', 1)).toMatchObject({ complete: true, entries: [{ seq: 2 }] });
  });
});

describe('parseBusMessage', () => {
  it('parses seq|prevSeq|body and refuses anything malformed', () => {
    expect(parseBusMessage('7|6|{"n":"/prices","r":"prices:BTC/USDT","e":"price.update","d":{"price":"1"}}')).toEqual({
      seq: 7,
      prevSeq: 6,
      namespace: '/prices',
      room: 'prices:BTC/USDT',
      event: 'price.update',
      data: { price: '1' },
    });
    for (const bad of ['', '7', '7|6', 'x|6|{}', '7|6|not json', '7|6|{"n":"/p","r":"r","e":"e","d":null}', '7|6|[]']) {
      expect(parseBusMessage(bad)).toBeUndefined();
    }
  });
});
