import { ManualClock } from '@ws/test-support';
import { describe, expect, it } from 'vitest';
import { defaultRateLimitOptions, RateLimitMiddleware } from '../../src/admission/rate-limit-middleware.js';

/** A connection as the limiter sees it (id, namespace, handshake address); real sockets are in the integration tests. */
const connection = (id: string, namespace = '/prices', address = '203.0.113.9', headers = {}) => ({
  id,
  nsp: { name: namespace },
  handshake: { address, headers },
});

describe('RateLimitMiddleware options', () => {
  it('has the seed defaults and cannot be mutated', () => {
    expect(defaultRateLimitOptions.namespaces).toEqual({
      '/prices': { points: 100, durationSec: 1 },
      '/market': { points: 100, durationSec: 1 },
      '/user': { points: 50, durationSec: 1 },
      '/admin': { points: 200, durationSec: 1 },
    });
    expect(defaultRateLimitOptions.blockDurationSec).toBe(60);
    expect(defaultRateLimitOptions.handshake).toEqual({ points: 300, durationSec: 10 });
    expect(Object.isFrozen(defaultRateLimitOptions.namespaces['/user'])).toBe(true);
  });

  it('refuses nonsense limits at construction', () => {
    expect(() => new RateLimitMiddleware({ blockDurationSec: -1 })).toThrow(/blockDurationSec/);
    expect(() => new RateLimitMiddleware({ floodDisconnectAfter: 0 })).toThrow(/floodDisconnectAfter/);
    expect(() => new RateLimitMiddleware({ handshake: { points: 0, durationSec: 1 } })).toThrow(/handshake/);
    expect(
      () =>
        new RateLimitMiddleware({
          namespaces: { ...defaultRateLimitOptions.namespaces, '/user': { points: 1.5, durationSec: 1 } },
        }),
    ).toThrow(/\/user/);
  });

  it('merges a partial namespace table over the defaults', async () => {
    const limiter = new RateLimitMiddleware({
      namespaces: { '/user': { points: 1, durationSec: 10 } } as typeof defaultRateLimitOptions.namespaces,
    });
    expect(await limiter.consume(connection('a', '/user'))).toEqual({ ok: true });
    expect(await limiter.consume(connection('a', '/user'))).toMatchObject({ ok: false });
    for (let i = 0; i < 100; i++) expect((await limiter.consume(connection('b', '/prices'))).ok).toBe(true);
    expect((await limiter.consume(connection('b', '/prices'))).ok).toBe(false);
  });
});

describe('RateLimitMiddleware.consume', () => {
  const options = {
    namespaces: { ...defaultRateLimitOptions.namespaces, '/prices': { points: 2, durationSec: 10 } },
    blockDurationSec: 30,
    floodDisconnectAfter: 2,
  };

  it('returns the block time, counts rejections and flags a flood', async () => {
    const limiter = new RateLimitMiddleware(options);
    const socket = connection('s1');
    expect(await limiter.consume(socket)).toEqual({ ok: true });
    expect(await limiter.consume(socket)).toEqual({ ok: true });
    const first = await limiter.consume(socket);
    expect(first).toMatchObject({ ok: false, disconnect: false });
    if (first.ok) throw new Error('unreachable');
    expect(first.retryAfterMs).toBeGreaterThan(25_000);
    expect(first.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(await limiter.consume(socket)).toMatchObject({ ok: false, disconnect: false });
    expect(await limiter.consume(socket)).toMatchObject({ ok: false, disconnect: true });
    expect(limiter.rejections).toBe(3);
  });

  it('times windows and blocks on the injected clock: refused to the millisecond, then a fresh window', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimitMiddleware({ ...options, clock });
    const socket = connection('s1');
    await limiter.consume(socket);
    await limiter.consume(socket);
    expect(await limiter.consume(socket)).toMatchObject({ ok: false, retryAfterMs: 30_000 });
    // The 10 s window is over, the 30 s block is not; refusals while blocked do not extend it.
    clock.advance(29_999);
    expect(await limiter.consume(socket)).toMatchObject({ ok: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(await limiter.consume(socket)).toEqual({ ok: true });
    expect(await limiter.consume(socket)).toEqual({ ok: true });
    expect((await limiter.consume(socket)).ok).toBe(false);
    // Without a block, the refusal lasts until the window ends.
    const unblocked = new RateLimitMiddleware({ ...options, blockDurationSec: 0, clock });
    await unblocked.consume(socket);
    clock.advance(4_000);
    await unblocked.consume(socket);
    expect(await unblocked.consume(socket)).toMatchObject({ ok: false, retryAfterMs: 6_000 });
    clock.advance(6_000);
    expect(await unblocked.consume(socket)).toEqual({ ok: true });
  });

  it('keys per connection and per namespace, and release forgets a connection', async () => {
    const limiter = new RateLimitMiddleware(options);
    await limiter.consume(connection('s1'));
    await limiter.consume(connection('s1'));
    expect((await limiter.consume(connection('s1'))).ok).toBe(false);
    expect((await limiter.consume(connection('s2'))).ok).toBe(true);
    expect((await limiter.consume(connection('s1', '/market'))).ok).toBe(true);
    limiter.release(connection('s1'));
    await expect.poll(async () => (await limiter.consume(connection('s1'))).ok).toBe(true);
  });
});

describe('RateLimitMiddleware.clientIp', () => {
  const xff = { 'x-forwarded-for': '10.0.0.1, 198.51.100.4' };

  it('uses the socket address and ignores X-Forwarded-For unless trustProxy', () => {
    const limiter = new RateLimitMiddleware();
    expect(limiter.clientIp(connection('s', '/prices', '::ffff:192.0.2.1', xff))).toBe('192.0.2.1');
    expect(limiter.clientIp(connection('s', '/prices', '2001:db8::1', xff))).toBe('2001:db8::1');
  });

  it('with trustProxy takes the entry the proxy appended, not the spoofable first one', () => {
    const limiter = new RateLimitMiddleware({ trustProxy: true });
    expect(limiter.clientIp(connection('s', '/prices', '127.0.0.1', xff))).toBe('198.51.100.4');
    expect(limiter.clientIp(connection('s', '/prices', '127.0.0.1', {}))).toBe('127.0.0.1');
    expect(limiter.clientIp(connection('s', '/prices', '127.0.0.1', { 'x-forwarded-for': ' , ' }))).toBe('127.0.0.1');
  });
});

describe('RateLimitMiddleware.consumeNow', () => {
  const options = {
    namespaces: { ...defaultRateLimitOptions.namespaces, '/prices': { points: 2, durationSec: 10 } },
    blockDurationSec: 30,
    floodDisconnectAfter: 2,
  };

  it('answers synchronously exactly as consume does, on the same budget (the memory store)', async () => {
    const clock = new ManualClock();
    const now = new RateLimitMiddleware({ ...options, clock });
    const later = new RateLimitMiddleware({ ...options, clock });
    const socket = connection('s1');
    const answers: unknown[] = [];
    const awaited: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      answers.push(now.consumeNow(socket));
      awaited.push(await later.consume(socket));
    }
    expect(answers).toEqual(awaited);
    expect(answers.slice(0, 3)).toEqual([
      { ok: true },
      { ok: true },
      { ok: false, retryAfterMs: 30_000, disconnect: false },
    ]);
    expect(answers[4]).toMatchObject({ ok: false, disconnect: true });
    expect(now.rejections).toBe(3);
    // Mixed with consume: one budget; a costly request's points count as several.
    clock.advance(30_000);
    expect(now.consumeNow(socket, 2)).toEqual({ ok: true });
    expect(await now.consume(socket)).toMatchObject({ ok: false, retryAfterMs: 30_000 });
  });

  it('is undefined, charging nothing, when the limits are kept in Redis', async () => {
    // A Redis that is never ready: consume answers from the memory insurance limiter.
    const { Redis } = await import('ioredis');
    const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    try {
      const limiter = new RateLimitMiddleware({ ...options, redis });
      const socket = connection('s1');
      expect(limiter.consumeNow(socket)).toBeUndefined();
      expect(await limiter.consume(socket)).toEqual({ ok: true });
      expect(await limiter.consume(socket)).toEqual({ ok: true });
      expect((await limiter.consume(socket)).ok).toBe(false);
    } finally {
      redis.disconnect();
    }
  });

  it('accepts at once in a namespace without a limit', () => {
    const limiter = new RateLimitMiddleware(options);
    expect(limiter.consumeNow(connection('s1', '/elsewhere'))).toEqual({ ok: true });
  });
});

describe('RateLimitMiddleware.chargeHandshakeNow', () => {
  const options = { handshake: { points: 2, durationSec: 10 } };
  const refusal = (err: unknown) => (err instanceof Error ? { ...err, message: err.message } : err);

  it('answers synchronously exactly as chargeHandshake does, on the same per-IP budget', async () => {
    const clock = new ManualClock();
    const now = new RateLimitMiddleware({ ...options, clock });
    const later = new RateLimitMiddleware({ ...options, clock });
    const answers: unknown[] = [];
    const awaited: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      answers.push(refusal(now.chargeHandshakeNow('203.0.113.9', {}) ?? undefined));
      awaited.push(refusal(await later.chargeHandshake('203.0.113.9', {})));
    }
    expect(answers).toEqual(awaited);
    expect(answers.slice(0, 2)).toEqual([undefined, undefined]);
    expect(answers[2]).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 10_000 });
    expect(now.handshakeRejections).toBe(2);
    // Another address has its own budget; a paid connection's first namespace connects are free.
    expect(now.chargeHandshakeNow('198.51.100.7', {})).toBeNull();
    // Refused until the address's window ends (the handshake limit has no block), then a fresh one.
    clock.advance(9_999);
    expect(now.chargeHandshakeNow('203.0.113.9', {})).toMatchObject({ retryAfterMs: 1 });
    clock.advance(1);
    expect(now.chargeHandshakeNow('203.0.113.9', {})).toBeNull();
  });

  it('is undefined, charging nothing, when the handshake limit is kept in Redis', async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    try {
      const limiter = new RateLimitMiddleware({ ...options, redis });
      expect(limiter.chargeHandshakeNow('203.0.113.9', {})).toBeUndefined();
      expect(await limiter.chargeHandshake('203.0.113.9', {})).toBeUndefined();
      expect(await limiter.chargeHandshake('203.0.113.9', {})).toBeUndefined();
      expect(await limiter.chargeHandshake('203.0.113.9', {})).toMatchObject({ code: 'RATE_LIMITED' });
    } finally {
      redis.disconnect();
    }
  });
});
