import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';

/** The claim checks of `jwtVerify` the gateway configures, applied the same way here. */
export interface Hs256Checks {
  issuer: string | undefined;
  audience: string | string[] | undefined;
  /** Leeway for `exp`/`nbf` (s). */
  clockToleranceSec: number;
}

/**
 * What the fast path decided: `valid` (jose would accept the token and return this payload), `bad-signature`
 * (jose would refuse it with a signature failure), or `defer` (anything else: jose decides, with its error).
 */
export type Hs256Outcome = { kind: 'valid'; payload: JWTPayload } | { kind: 'bad-signature' } | { kind: 'defer' };

/** Unpadded base64url, of a length a decoder accepts: what jose's encoder produces. */
const B64URL = /^[A-Za-z0-9_-]*$/;
/** Header members this path understands; any other (`crit`, `b64`, `jku`…) goes to jose. */
const HEADER_MEMBERS = new Set(['alg', 'typ', 'kid']);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const SHA256_BYTES = 32;
/** Header texts remembered; more (a forger varying it) start the memory afresh, so it stays this small. */
const MAX_REMEMBERED_HEADERS = 16;

const isB64url = (s: string) => s.length % 4 !== 1 && B64URL.test(s);

/** Parses base64url JSON into a plain object, as jose's `isObject` accepts it; null when anything is off. */
function decodeObject(segment: string): Record<string, unknown> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  return parsed as Record<string, unknown>;
}

const isNumberOrAbsent = (v: unknown) => v === undefined || typeof v === 'number';

/**
 * HS256 verification on `node:crypto`, synchronous: one HMAC and a constant-time compare, where jose goes
 * through WebCrypto asynchronously for every token. It answers only for well-formed HS256 tokens that jose
 * would treat exactly the same way (the conditions of jose 6's `jwtVerify` and `validateClaimsSet` with the
 * options `AuthMiddleware` passes), and defers every other token, every other algorithm and every refusal
 * but a wrong signature to jose, so errors and edge cases stay jose's.
 */
export class Hs256Verifier {
  readonly #key: KeyObject;
  readonly #checks: Hs256Checks;
  /** Header segment → whether it passes (`#headerPasses`). */
  readonly #headers = new Map<string, boolean>();

  constructor(secret: Uint8Array, checks: Hs256Checks) {
    this.#key = createSecretKey(secret);
    this.#checks = checks;
  }

  verify(token: string, nowMs: number): Hs256Outcome {
    const dot1 = token.indexOf('.');
    const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) return { kind: 'defer' };
    const head = token.slice(0, dot1);
    const body = token.slice(dot1 + 1, dot2);
    const sig = token.slice(dot2 + 1);
    // jose checks the ASCII and base64url form of every part before the signature: so must this.
    if (!isB64url(head) || !isB64url(body) || !isB64url(sig)) return { kind: 'defer' };
    if (!this.#headerPasses(head)) return { kind: 'defer' };
    const signature = Buffer.from(sig, 'base64url');
    const expected = createHmac('sha256', this.#key).update(token.slice(0, dot2)).digest();
    if (signature.length !== SHA256_BYTES || !timingSafeEqual(signature, expected)) return { kind: 'bad-signature' };
    const payload = decodeObject(body);
    if (payload === null || !this.#claimsPass(payload, nowMs)) return { kind: 'defer' };
    return { kind: 'valid', payload: payload as JWTPayload };
  }

  /**
   * Whether the header segment is an HS256 header this path understands. Every token of one issuer carries
   * the same few header texts: the answer is remembered per text (a bounded handful), one decode fewer per
   * connect.
   */
  #headerPasses(head: string): boolean {
    const known = this.#headers.get(head);
    if (known !== undefined) return known;
    const header = decodeObject(head);
    const passes =
      header !== null && header.alg === 'HS256' && Object.keys(header).every((member) => HEADER_MEMBERS.has(member));
    if (this.#headers.size >= MAX_REMEMBERED_HEADERS) this.#headers.clear();
    this.#headers.set(head, passes);
    return passes;
  }

  /** `requiredClaims: ['exp']`, `issuer`, `audience`, `clockTolerance`, `currentDate`, as jose checks them. */
  #claimsPass(claims: Record<string, unknown>, nowMs: number): boolean {
    const { issuer, audience, clockToleranceSec } = this.#checks;
    const now = Math.floor(new Date(nowMs).getTime() / 1000);
    if (!Number.isFinite(now) || !Object.hasOwn(claims, 'exp')) return false;
    if (issuer !== undefined && (!Object.hasOwn(claims, 'iss') || claims.iss !== issuer)) return false;
    if (audience !== undefined) {
      const wanted = typeof audience === 'string' ? [audience] : audience;
      const aud = claims.aud;
      const present =
        typeof aud === 'string'
          ? wanted.includes(aud)
          : Array.isArray(aud) && wanted.some((a) => (aud as unknown[]).includes(a));
      if (!Object.hasOwn(claims, 'aud') || !present) return false;
    }
    const { iat, nbf, exp } = claims;
    if (!isNumberOrAbsent(iat) || !isNumberOrAbsent(nbf) || typeof exp !== 'number') return false;
    if (typeof nbf === 'number' && nbf > now + clockToleranceSec) return false;
    return exp > now - clockToleranceSec;
  }
}
