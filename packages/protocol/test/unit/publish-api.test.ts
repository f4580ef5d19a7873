import { compile, PublishItem, PublishRequest } from '@ws/protocol';
import { ClusterBusMessage } from '@ws/protocol/internal';
import { describe, expect, it } from 'vitest';

describe('PublishItem / PublishRequest', () => {
  const item = compile(PublishItem);
  const request = compile(PublishRequest);

  it('accepts a known event with an object payload, with or without userId', () => {
    expect(item.check({ event: 'price.update', data: { symbol: 'BTC/USDT' } })).toBe(true);
    expect(item.check({ event: 'order.new', data: {}, userId: 'alice' })).toBe(true);
    expect(request.check([{ event: 'market.depth', data: {} }])).toBe(true);
  });

  it('refuses an unknown event, a missing or non-object data, an extra key and a bad user id, each at its pointer', () => {
    const paths = (v: unknown) => {
      const r = item.validate(v);
      return r.ok ? [] : r.errors.map((e) => e.path);
    };
    expect(paths({ event: 'price.nope', data: {} })).toContain('/event');
    expect(paths({ event: 'price.update', data: [] })).toContain('/data');
    expect(item.check({ event: 'price.update' })).toBe(false);
    expect(item.check({ event: 'price.update', data: {}, extra: 1 })).toBe(false);
    expect(paths({ event: 'order.new', data: {}, userId: 'a b' })).toContain('/userId');
    expect(request.check('price.update')).toBe(false);
  });
});

describe('ClusterBusMessage', () => {
  const bus = compile(ClusterBusMessage);
  const good = { seq: 2, prevSeq: 1, namespace: '/prices', room: 'prices:BTC/USDT', event: 'price.update', data: {} };

  it('accepts a sequenced room message, with or without enteredAt', () => {
    expect(bus.check(good)).toBe(true);
    expect(bus.check({ ...good, enteredAt: 1_700_000_000_000.5 })).toBe(true);
  });

  it('refuses what no node sends: a negative or fractional seq, /admin, system.message, an unknown key', () => {
    expect(bus.check({ ...good, seq: -1 })).toBe(false);
    expect(bus.check({ ...good, prevSeq: 1.5 })).toBe(false);
    expect(bus.check({ ...good, namespace: '/admin' })).toBe(false);
    expect(bus.check({ ...good, event: 'system.message' })).toBe(false);
    expect(bus.check({ ...good, data: null })).toBe(false);
    expect(bus.check({ ...good, enteredAt: '1' })).toBe(false);
    expect(bus.check({ ...good, x: 1 })).toBe(false);
  });
});
