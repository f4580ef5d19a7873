import { isMarketSymbol, isUserId, MARKET_CHANNELS, parseRoom, rooms, USER_STREAMS } from '@ws/protocol';
import { describe, expect, it } from 'vitest';

describe('rooms', () => {
  it('builds the documented room names', () => {
    expect(rooms.prices('BTC/USDT')).toBe('prices:BTC/USDT');
    expect(rooms.market('depth', 'ETH/BTC')).toBe('market:depth:ETH/BTC');
    expect(rooms.user('u-1')).toBe('user:u-1');
    expect(rooms.orders('u-1')).toBe('orders:u-1');
    expect(rooms.positions('u-1')).toBe('positions:u-1');
    expect(rooms.wallet('u-1')).toBe('wallet:u-1');
    expect(rooms.allForUser('auth0|42')).toEqual([
      'user:auth0|42',
      'orders:auth0|42',
      'positions:auth0|42',
      'wallet:auth0|42',
    ]);
  });

  it('refuses to build a room from an invalid symbol, channel or user id', () => {
    for (const bad of ['btc/usdt', 'BTC-USDT', 'BTC/USDT/X', '', 'BTC/USDT:x', '*', 'BTC/USDT\n']) {
      expect(() => rooms.prices(bad), bad).toThrow(TypeError);
      expect(() => rooms.market('trades', bad), bad).toThrow(TypeError);
    }
    for (const bad of ['book', '__proto__', 'depth:x', '']) {
      expect(() => rooms.market(bad as 'depth', 'BTC/USDT'), bad).toThrow(TypeError);
    }
    for (const bad of ['', 'a b', 'a/b', 'x'.repeat(129), 'ü', 'a\nb', '*']) {
      expect(() => rooms.user(bad), bad).toThrow(TypeError);
      expect(() => rooms.orders(bad), bad).toThrow(TypeError);
      expect(() => rooms.allForUser(bad), bad).toThrow(TypeError);
    }
  });

  it('bounds the echoed input in error messages', () => {
    try {
      rooms.prices('x'.repeat(10_000));
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(100);
    }
  });
});

describe('parseRoom', () => {
  it('parses every room the helpers build', () => {
    expect(parseRoom(rooms.prices('BTC/USDT'))).toEqual({ kind: 'prices', symbol: 'BTC/USDT' });
    for (const channel of MARKET_CHANNELS) {
      expect(parseRoom(rooms.market(channel, 'SOL/USDC'))).toEqual({ kind: 'market', channel, symbol: 'SOL/USDC' });
    }
    for (const stream of USER_STREAMS) {
      expect(parseRoom(`${stream}:user-1`)).toEqual({ kind: stream, userId: 'user-1' });
    }
    // User ids may contain ':' (e.g. provider prefixes); the remainder after the kind is the id.
    expect(parseRoom('orders:google:123')).toEqual({ kind: 'orders', userId: 'google:123' });
  });

  it.each([
    'prices:BTC/USDT:x',
    'prices:btc/usdt',
    'prices:',
    'prices',
    'market:depth',
    'market:depth:',
    'market:book:BTC/USDT',
    'market:depth:BTC/USDT:x',
    'market::BTC/USDT',
    'user:a b',
    'user:',
    'orders:a/b',
    'wallet:x\ny',
    '__proto__:x',
    'constructor:BTC/USDT',
    'toString:x',
    'admin:x',
    '',
    ':',
    `user:${'a'.repeat(300)}`,
  ])('returns null for %j', (room) => {
    expect(parseRoom(room)).toBeNull();
  });

  it('returns null for non-strings', () => {
    for (const value of [null, undefined, 42, {}, ['prices:BTC/USDT']]) {
      expect(parseRoom(value as unknown as string)).toBeNull();
    }
  });
});

describe('guards', () => {
  it('isMarketSymbol and isUserId match the schema patterns', () => {
    expect(isMarketSymbol('BTC/USDT')).toBe(true);
    expect(isMarketSymbol('1INCH/USDT')).toBe(true);
    expect(isMarketSymbol('BTC/USDT ')).toBe(false);
    expect(isMarketSymbol(42)).toBe(false);
    expect(isUserId('user_1.a@b|c-d:e')).toBe(true);
    expect(isUserId('user 1')).toBe(false);
    expect(isUserId({})).toBe(false);
  });
});
