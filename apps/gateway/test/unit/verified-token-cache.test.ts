import { AuthMiddleware } from '@ws/server';
import { signToken, TEST_SECRET } from '@ws/test-support';
import { describe, expect, it } from 'vitest';
import type { VerifyToken } from '../../src/bearer-auth.js';
import { cacheVerifiedTokens } from '../../src/verified-token-cache.js';

/** The gateway's real verifier, counting the verifications it performs. */
function countingVerifier() {
  const auth = new AuthMiddleware({ secret: TEST_SECRET });
  const calls: string[] = [];
  const verify: VerifyToken = (token) => {
    calls.push(token);
    return auth.verify(token);
  };
  return { verify, calls };
}

/** A clock the test moves. */
function clock() {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms: number) => (offset += ms) };
}

describe('cacheVerifiedTokens', () => {
  it('verifies a token once and reuses the result for the same token', async () => {
    const { verify, calls } = countingVerifier();
    const cached = cacheVerifiedTokens(verify);
    const token = signToken({ sub: 'svc-1', role: 'service' });
    const first = await cached(token);
    const second = await cached(token);
    expect(first.role).toBe('service');
    expect(second).toEqual(first);
    expect(calls).toHaveLength(1);
  });

  it('never remembers a failure: a forged token is checked, and refused, every time', async () => {
    const { verify, calls } = countingVerifier();
    const cached = cacheVerifiedTokens(verify);
    const good = signToken({ sub: 'svc-1', role: 'service' });
    await cached(good);
    const [header, payload] = good.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'svc-1', role: 'admin', exp: 9_999_999_999 })).toString(
      'base64url',
    );
    const forged = `${header}.${forgedPayload}.${good.split('.')[2]}`;
    expect(payload).not.toBe(forgedPayload);
    await expect(cached(forged)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(cached(forged)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(calls).toEqual([good, forged, forged]);
  });

  it('checks the token again once it has expired', async () => {
    const { verify, calls } = countingVerifier();
    const time = clock();
    const cached = cacheVerifiedTokens(verify, { now: time.now, ttlMs: 3_600_000 });
    const token = signToken({ sub: 'svc-1', role: 'service' }, { expiresInSec: 30 });
    await cached(token);
    time.advance(20_000);
    await cached(token);
    expect(calls).toHaveLength(1);
    time.advance(11_000);
    await cached(token);
    expect(calls).toHaveLength(2);
  });

  it('checks the token again after the TTL, however far its exp is', async () => {
    const { verify, calls } = countingVerifier();
    const time = clock();
    const cached = cacheVerifiedTokens(verify, { now: time.now, ttlMs: 1_000 });
    const token = signToken({ sub: 'svc-1', role: 'service' }, { expiresInSec: 3600 });
    await cached(token);
    time.advance(999);
    await cached(token);
    time.advance(2);
    await cached(token);
    expect(calls).toHaveLength(2);
  });

  it('keeps at most maxEntries tokens, forgetting the oldest', async () => {
    const { verify, calls } = countingVerifier();
    const cached = cacheVerifiedTokens(verify, { maxEntries: 2 });
    const [a, b, c] = ['a', 'b', 'c'].map((id) => signToken({ sub: `svc-${id}`, role: 'service' }));
    for (const token of [a, b, c, c, b, a]) await cached(token as string);
    // a was forgotten when c arrived; b and c were reused; a is verified again (and b then forgotten).
    expect(calls).toEqual([a, b, c, a]);
  });

  it('refuses nonsensical options', () => {
    const { verify } = countingVerifier();
    expect(() => cacheVerifiedTokens(verify, { maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => cacheVerifiedTokens(verify, { ttlMs: 0 })).toThrow(/ttlMs/);
  });
});
