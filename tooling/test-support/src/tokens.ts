import { createHmac } from 'node:crypto';

/** The HS256 secret every test server and test gateway trusts by default (64 characters). */
export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef0123456789abcdef01';

export interface TokenOptions {
  /** Seconds from `now` until `exp` (default 3600); negative for an expired token. Ignored when `claims.exp` is set. */
  expiresInSec?: number;
  /** Signing secret (default `TEST_SECRET`). */
  secret?: string;
  /** Epoch ms that `iat` and `exp` count from: a test that owns a `ManualClock` passes `clock.now()`. */
  now?: number;
}

const base64url = (value: string) => Buffer.from(value).toString('base64url');

/**
 * An HS256 JWT with `claims` (`userId`, `sub`, `role`, …), `iat` and `exp`; either may be given in `claims`.
 * Synchronous (HMAC over the compact form, as RFC 7519 defines it), so a test can pass it where a token is taken.
 */
export function signToken(claims: Record<string, unknown> = {}, options: TokenOptions = {}): string {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const { iat = now, exp = now + (options.expiresInSec ?? 3600), ...rest } = claims;
  const payload = base64url(JSON.stringify({ iat, exp, ...rest }));
  const signature = createHmac('sha256', options.secret ?? TEST_SECRET)
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${signature}`;
}
