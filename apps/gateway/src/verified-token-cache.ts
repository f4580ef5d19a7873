import type { VerifiedToken, VerifyToken } from './bearer-auth.js';

export interface VerifiedTokenCacheOptions {
  /** Most tokens remembered; the oldest is forgotten first. Default 1 000. */
  maxEntries?: number;
  /**
   * Longest a verification is reused (ms), however far the token's `exp` is: bounds how long a token stays
   * accepted after its key is rotated out of a JWKS. Default 60 000.
   */
  ttlMs?: number;
  /** Clock (ms since the epoch); tests only. */
  now?: () => number;
}

interface Entry {
  result: VerifiedToken;
  /** Reused until this instant (ms since the epoch): the sooner of `exp` and the TTL. */
  until: number;
}

/**
 * Remembers successful verifications of bearer tokens, keyed by the exact token string. A backend service
 * publishes with the same token many times a second; its HMAC or signature check (asynchronous WebCrypto
 * work) would otherwise be paid on every request. Only a byte-identical token that verified before, and has
 * not expired since, is let through without the check; failures are never remembered.
 */
export function cacheVerifiedTokens(verify: VerifyToken, options: VerifiedTokenCacheOptions = {}): VerifyToken {
  const maxEntries = options.maxEntries ?? 1_000;
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  if (!(ttlMs > 0)) throw new RangeError('ttlMs must be positive');
  const entries = new Map<string, Entry>();
  return async (token) => {
    const hit = entries.get(token);
    if (hit !== undefined) {
      if (now() < hit.until) return hit.result;
      entries.delete(token);
    }
    const result = await verify(token);
    const verifiedAt = now();
    const until = Math.min(verifiedAt + ttlMs, result.expiresAt ?? Number.POSITIVE_INFINITY);
    if (until > verifiedAt) {
      entries.delete(token);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(token, { result, until });
    }
    return result;
  };
}
