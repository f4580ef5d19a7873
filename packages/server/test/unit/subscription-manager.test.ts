import { rooms } from '@ws/protocol';
import { describe, expect, it } from 'vitest';
import { SubscriptionManager } from '../../src/subscriptions/subscription-manager.js';

const SYMBOLS = ['A/USDT', 'B/USDT', 'C/USDT', 'D/USDT', 'E/USDT'];
const prices = (...symbols: string[]) => symbols.map((symbol) => ({ room: rooms.prices(symbol), symbol }));
const market = (channel: 'depth' | 'stats', ...symbols: string[]) =>
  symbols.map((symbol) => ({ room: rooms.market(channel, symbol), symbol }));

function manager(
  limits: Partial<{ maxSymbolsPerConnection: number; maxRoomsPerConnection: number; maxChannelsPerUser: number }> = {},
) {
  return new SubscriptionManager(
    { maxSymbolsPerConnection: 100, maxRoomsPerConnection: 20, maxChannelsPerUser: 50, ...limits },
    SYMBOLS,
  );
}

describe('SubscriptionManager', () => {
  it('is idempotent and returns only rooms that are new', () => {
    const m = manager();
    m.register('s1', '/prices', null);
    expect(m.subscribe('s1', prices('A/USDT', 'B/USDT', 'A/USDT'))).toEqual(['prices:A/USDT', 'prices:B/USDT']);
    expect(m.subscribe('s1', prices('A/USDT'))).toEqual([]);
    expect(m.subscriberCount('prices:A/USDT')).toBe(1);
  });

  it('keeps a connection’s rooms in subscription order across partial unsubscribes; rooms() is a copy', () => {
    const m = manager();
    m.register('s1', '/prices', 'u');
    m.subscribe('s1', prices('A/USDT', 'B/USDT'));
    m.subscribe('s1', prices('C/USDT', 'B/USDT', 'D/USDT'));
    expect(m.unsubscribe('s1', ['prices:B/USDT', 'prices:B/USDT'])).toEqual(['prices:B/USDT']);
    const held = m.rooms('s1');
    expect(held).toEqual(['prices:A/USDT', 'prices:C/USDT', 'prices:D/USDT']);
    held.pop();
    expect(m.rooms('s1')).toHaveLength(3);
    expect(m.subscribe('s1', prices('B/USDT', 'A/USDT'))).toEqual(['prices:B/USDT']);
    expect(m.userChannelCount('u')).toBe(4);
    expect(m.release('s1')).toEqual(['prices:A/USDT', 'prices:C/USDT', 'prices:D/USDT', 'prices:B/USDT']);
    expect(m.userChannelCount('u')).toBe(0);
  });

  it('maxSymbolsPerConnection: all or nothing', () => {
    const m = manager({ maxSymbolsPerConnection: 3 });
    m.register('s1', '/prices', null);
    m.subscribe('s1', prices('A/USDT', 'B/USDT'));
    expect(() => m.subscribe('s1', prices('C/USDT', 'D/USDT'))).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED' }),
    );
    expect(m.rooms('s1')).toEqual(['prices:A/USDT', 'prices:B/USDT']);
    expect(m.subscribe('s1', prices('C/USDT'))).toEqual(['prices:C/USDT']);
  });

  it('/market: maxRoomsPerConnection counts channel × symbol, and symbols are also capped', () => {
    const m = manager({ maxRoomsPerConnection: 3, maxSymbolsPerConnection: 2 });
    m.register('s1', '/market', null);
    expect(() =>
      m.subscribe('s1', [...market('depth', 'A/USDT', 'B/USDT'), ...market('stats', 'A/USDT', 'B/USDT')]),
    ).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    expect(m.rooms('s1')).toEqual([]);
    m.subscribe('s1', market('depth', 'A/USDT', 'B/USDT'));
    expect(() => m.subscribe('s1', market('stats', 'C/USDT'))).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED' }),
    );
    expect(m.subscribe('s1', market('stats', 'A/USDT'))).toEqual(['market:stats:A/USDT']);
  });

  it('maxChannelsPerUser counts across all of the user’s connections and namespaces; release frees them', () => {
    const m = manager({ maxChannelsPerUser: 3 });
    m.register('p', '/prices', 'alice');
    m.register('k', '/market', 'alice');
    m.register('other', '/prices', 'bob');
    m.subscribe('p', prices('A/USDT', 'B/USDT'));
    expect(() => m.subscribe('k', market('depth', 'A/USDT', 'B/USDT'))).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED' }),
    );
    expect(m.subscribe('other', prices('A/USDT', 'B/USDT', 'C/USDT'))).toHaveLength(3);
    m.subscribe('k', market('depth', 'A/USDT'));
    expect(m.userChannelCount('alice')).toBe(3);
    expect(m.release('p')).toEqual(['prices:A/USDT', 'prices:B/USDT']);
    expect(m.userChannelCount('alice')).toBe(1);
    expect(m.subscribe('k', market('stats', 'A/USDT', 'B/USDT'))).toHaveLength(2);
  });

  it('maxChannelsPerUser counts authenticated users only: anonymous connections are bound by the per-connection limits', () => {
    const m = manager({ maxChannelsPerUser: 2, maxSymbolsPerConnection: 3 });
    m.register('a1', '/prices', null);
    m.register('a2', '/prices', null);
    m.subscribe('a1', prices('A/USDT', 'B/USDT'));
    expect(m.subscribe('a2', prices('A/USDT', 'B/USDT', 'C/USDT'))).toHaveLength(3);
    expect(() => m.subscribe('a2', prices('D/USDT'))).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/symbols per connection/) }),
    );
  });

  it('unknown symbols throw UNKNOWN_SYMBOL naming them', () => {
    const m = manager();
    expect(() => m.assertKnownSymbols(['A/USDT', 'ZZZ/USDT'])).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SYMBOL', message: 'unknown symbol: ZZZ/USDT' }),
    );
    expect(() => m.assertKnownSymbols(['A/USDT'])).not.toThrow();
  });

  it('unsubscribe and stats keep room counts exact', () => {
    const m = manager();
    m.register('s1', '/prices', null);
    m.register('s2', '/market', 'u');
    m.subscribe('s1', prices('A/USDT', 'B/USDT'));
    m.subscribe('s2', market('depth', 'A/USDT'));
    expect(m.unsubscribe('s1', ['prices:B/USDT', 'prices:C/USDT'])).toEqual(['prices:B/USDT']);
    expect(m.stats()).toEqual({
      rooms: 2,
      subscriptions: 2,
      byNamespace: { '/prices': 1, '/market': 1 },
      topRooms: [
        { room: 'market:depth:A/USDT', subscribers: 1 },
        { room: 'prices:A/USDT', subscribers: 1 },
      ],
      topSymbols: [{ symbol: 'A/USDT', subscribers: 2 }],
    });
    m.release('s1');
    m.release('s2');
    expect(m.stats().subscriptions).toBe(0);
  });
});
