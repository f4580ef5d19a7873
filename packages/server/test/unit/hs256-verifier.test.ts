import { createHmac } from 'node:crypto';
import { ManualClock } from '@ws/test-support';
import { type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthMiddleware, type AuthOptions } from '../../src/admission/auth-middleware.js';
import { type Hs256Outcome, Hs256Verifier } from '../../src/admission/hs256-verifier.js';
import { isWsError } from '../../src/ws-error.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const OTHER_SECRET = 'another-secret-that-is-at-least-32-bytes-long';
const NOW_MS = Date.UTC(2030, 0, 1, 12, 0, 0, 700);
const NOW = Math.floor(NOW_MS / 1000);

const b64 = (part: object | string | Uint8Array) =>
  Buffer.from(part instanceof Uint8Array ? part : typeof part === 'string' ? part : JSON.stringify(part)).toString(
    'base64url',
  );

/** A token with any header and payload, signed with HMAC over the exact segments (no library in between). */
function signed(
  header: object | string,
  payload: object | string | Uint8Array,
  { secret = SECRET, hash = 'sha256' }: { secret?: string; hash?: string } = {},
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

const HS = { alg: 'HS256', typ: 'JWT' };
const valid = { userId: 'u-1', exp: NOW + 600 };
const good = signed(HS, valid);
const [goodHead, goodBody, goodSig] = good.split('.') as [string, string, string];

/** Flips the two low bits the last character of a 32-byte base64url signature carries past the data. */
function nonCanonicalSig(sig: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(sig.at(-1) ?? 'A');
  return sig.slice(0, -1) + alphabet[(last & ~3) | (~last & 3)];
}

/** Forged, expired, wrong-algorithm, wrong-key, malformed and edge-of-tolerance tokens, and good ones. */
const corpus: Record<string, string> = {
  'valid, minimal': good,
  'valid, every registered claim': signed(HS, {
    ...valid,
    sub: 'u-1',
    role: 'admin',
    iat: NOW - 10,
    nbf: NOW - 10,
    jti: 'j',
  }),
  'valid, kid and another typ': signed({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' }, valid),
  'valid, no typ': signed({ alg: 'HS256' }, valid),
  'valid, fractional exp': signed(HS, { userId: 'u-1', exp: NOW + 0.5 }),
  'valid, exp inside the tolerance': signed(HS, { userId: 'u-1', exp: NOW - 4 }),
  'expired at the tolerance': signed(HS, { userId: 'u-1', exp: NOW - 5 }),
  expired: signed(HS, { userId: 'u-1', exp: NOW - 3600 }),
  'nbf inside the tolerance': signed(HS, { ...valid, nbf: NOW + 5 }),
  'nbf past the tolerance': signed(HS, { ...valid, nbf: NOW + 6 }),
  'no exp': signed(HS, { userId: 'u-1' }),
  'exp a string': signed(HS, { userId: 'u-1', exp: String(NOW + 600) }),
  'exp null': signed(HS, { userId: 'u-1', exp: null }),
  'nbf a string': signed(HS, { ...valid, nbf: 'yesterday' }),
  'iat a string': signed(HS, { ...valid, iat: 'now' }),
  'iat null': signed(HS, { ...valid, iat: null }),
  'iat in the future (not checked without maxTokenAge)': signed(HS, { ...valid, iat: NOW + 3600 }),
  'wrong key': signed(HS, valid, { secret: OTHER_SECRET }),
  'payload swapped under the signature': `${goodHead}.${b64({ userId: 'admin', role: 'admin', exp: NOW + 600 })}.${goodSig}`,
  'header swapped under the signature': `${b64({ alg: 'HS256', kid: 'x' })}.${goodBody}.${goodSig}`,
  'signature truncated': `${goodHead}.${goodBody}.${goodSig.slice(0, -3)}`,
  'signature truncated to an impossible length': `${goodHead}.${goodBody}.${goodSig.slice(0, -2)}`,
  'signature one character longer': `${goodHead}.${goodBody}.${goodSig}A`,
  'signature padded': `${goodHead}.${goodBody}.${goodSig}=`,
  'signature empty': `${goodHead}.${goodBody}.`,
  'signature with unused bits set': `${goodHead}.${goodBody}.${nonCanonicalSig(goodSig)}`,
  'signature in base64, not base64url': `${goodHead}.${goodBody}.${goodSig.replaceAll('-', '+').replaceAll('_', '/')}`,
  'alg none, no signature': `${b64({ alg: 'none', typ: 'JWT' })}.${goodBody}.`,
  'alg none, HMAC signature': signed({ alg: 'none' }, valid),
  'alg NONE': signed({ alg: 'NONE' }, valid),
  'alg missing': signed({ typ: 'JWT' }, valid),
  'alg not a string': signed({ alg: 256 }, valid),
  'HS384 with the secret': signed({ alg: 'HS384' }, valid, { hash: 'sha384' }),
  'HS512 with the secret': signed({ alg: 'HS512' }, valid, { hash: 'sha512' }),
  'RS256 header over an HMAC signature (alg confusion)': signed({ alg: 'RS256' }, valid),
  'HS256 header over an HS384 signature': signed(HS, valid, { hash: 'sha384' }),
  'duplicate alg, the last one wins': signed('{"alg":"none","alg":"HS256"}', valid),
  'crit b64 false': signed({ alg: 'HS256', crit: ['b64'], b64: false }, valid),
  'crit unknown': signed({ alg: 'HS256', crit: ['exp'] }, valid),
  'b64 false without crit': signed({ alg: 'HS256', b64: false }, valid),
  'jku in the header': signed({ alg: 'HS256', jku: 'https://attacker.example/jwks' }, valid),
  '__proto__ in the header': signed('{"alg":"HS256","__proto__":{"alg":"none"}}', valid),
  'header not JSON': signed('{alg:HS256}', valid),
  'header an array': signed('["HS256"]', valid),
  'payload an array': signed(HS, '[1,2]'),
  'payload a number': signed(HS, '42'),
  'payload not JSON': signed(HS, 'exp=1'),
  'payload not UTF-8': signed(HS, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
  'payload with a BOM': signed(HS, `\ufeff${JSON.stringify(valid)}`),
  'two parts': `${goodHead}.${goodBody}`,
  'four parts': `${good}.${goodSig}`,
  'whitespace inside': `${goodHead}.${goodBody.slice(0, 4)} ${goodBody.slice(4)}.${goodSig}`,
  'iss and aud right': signed(HS, { ...valid, iss: 'exchange', aud: 'ws-gateway' }),
  'aud an array with ours': signed(HS, { ...valid, iss: 'exchange', aud: ['x', 'other'] }),
  'aud an array without ours': signed(HS, { ...valid, iss: 'exchange', aud: ['x', 'y'] }),
  'aud a number': signed(HS, { ...valid, iss: 'exchange', aud: 7 }),
  'iss wrong': signed(HS, { ...valid, iss: 'exchange2', aud: 'ws-gateway' }),
  'iss missing': signed(HS, { ...valid, aud: 'ws-gateway' }),
  'iss an array': signed(HS, { ...valid, iss: ['exchange'], aud: 'ws-gateway' }),
};

const configs: Record<string, Omit<AuthOptions, 'secret' | 'clock'>> = {
  defaults: {},
  'issuer and audiences': { issuer: 'exchange', audience: ['ws-gateway', 'other'] },
  'HS256 and HS384 allowed': { algorithms: ['HS256', 'HS384'] },
  'no clock tolerance': { clockToleranceSec: 0 },
};

type Reference = { accepted: true; payload: JWTPayload } | { accepted: false; error: string };

/** What jose alone decides, with the options AuthMiddleware gives it. */
async function reference(token: string, config: (typeof configs)[string]): Promise<Reference> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
      algorithms: config.algorithms ?? ['HS256'],
      clockTolerance: config.clockToleranceSec ?? 5,
      currentDate: new Date(NOW_MS),
      requiredClaims: ['exp'],
      ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
      ...(config.audience === undefined ? {} : { audience: config.audience }),
    });
    return { accepted: true, payload };
  } catch (err) {
    return { accepted: false, error: (err as Error).constructor.name };
  }
}

const verifierFor = (config: (typeof configs)[string]) =>
  new Hs256Verifier(new TextEncoder().encode(SECRET), {
    issuer: config.issuer,
    audience: config.audience,
    clockToleranceSec: config.clockToleranceSec ?? 5,
  });

describe('Hs256Verifier decides like jose', () => {
  for (const [configName, config] of Object.entries(configs)) {
    it(`on every token of the corpus (${configName})`, async () => {
      const verifier = verifierFor(config);
      const decided: string[] = [];
      for (const [name, token] of Object.entries(corpus)) {
        const ref = await reference(token, config);
        const fast: Hs256Outcome = verifier.verify(token, NOW_MS);
        if (fast.kind === 'defer') continue;
        decided.push(name);
        if (fast.kind === 'valid') expect(ref, name).toEqual({ accepted: true, payload: fast.payload });
        else expect(ref, name).toEqual({ accepted: false, error: joseErrors.JWSSignatureVerificationFailed.name });
      }
      // The common cases never reach jose: valid tokens and forged signatures.
      expect(decided).toEqual(expect.arrayContaining(['wrong key', 'payload swapped under the signature']));
      if (configName !== 'issuer and audiences') expect(decided).toContain('valid, minimal');
      else expect(decided).toContain('iss and aud right');
    });
  }

  it('answers valid, bad-signature or defer where expected', () => {
    const verifier = verifierFor({});
    const kind = (name: string) => verifier.verify(corpus[name] ?? '', NOW_MS).kind;
    expect(kind('valid, minimal')).toBe('valid');
    expect(kind('valid, kid and another typ')).toBe('valid');
    expect(kind('wrong key')).toBe('bad-signature');
    expect(kind('signature truncated')).toBe('bad-signature');
    expect(kind('HS256 header over an HS384 signature')).toBe('bad-signature');
    // Refused by jose, with jose's own error: expired, alg none, alg confusion, crit, malformed.
    for (const name of ['expired', 'alg none, no signature', 'RS256 header over an HMAC signature (alg confusion)'])
      expect(kind(name), name).toBe('defer');
    for (const name of ['crit b64 false', 'jku in the header', 'signature padded', 'payload not UTF-8'])
      expect(kind(name), name).toBe('defer');
  });

  it('decides the same the second time a header text comes, and after many other headers', () => {
    const verifier = verifierFor({});
    const outcomes = () => Object.values(corpus).map((token) => verifier.verify(token, NOW_MS).kind);
    const first = outcomes();
    expect(outcomes()).toEqual(first);
    // A forger varying the header (40 distinct texts) neither grows the memory nor changes a decision.
    for (let i = 0; i < 40; i++)
      expect(verifier.verify(signed({ alg: 'HS256', kid: `k${i}` }, valid), NOW_MS).kind).toBe('valid');
    for (let i = 0; i < 40; i++)
      expect(verifier.verify(signed({ alg: 'HS256', crit: [`x${i}`] }, valid), NOW_MS).kind).toBe('defer');
    expect(outcomes()).toEqual(first);
  });
});

describe('AuthMiddleware.verify with the HS256 fast path', () => {
  for (const [configName, config] of Object.entries(configs)) {
    it(`accepts and refuses what jose accepts and refuses (${configName})`, async () => {
      const auth = new AuthMiddleware({ ...config, secret: SECRET, clock: new ManualClock(NOW_MS) });
      for (const [name, token] of Object.entries(corpus)) {
        const ref = await reference(token, config);
        const got = await auth.verify(token).then(
          (context) => ({ accepted: true as const, context }),
          (err: unknown) => ({ accepted: false as const, err }),
        );
        if (ref.accepted) {
          expect(got, name).toEqual({
            accepted: true,
            context: { userId: 'u-1', role: ref.payload['role'] ?? 'user', expiresAt: (ref.payload.exp ?? 0) * 1000 },
          });
          continue;
        }
        expect(got.accepted, name).toBe(false);
        const err = (got as { err: unknown }).err;
        expect(isWsError(err) && err.code, name).toBe('UNAUTHORIZED');
        if (ref.error === joseErrors.JWSSignatureVerificationFailed.name)
          expect((err as Error).message, name).toBe('invalid token signature');
        if (ref.error === joseErrors.JWTExpired.name) expect((err as Error).message, name).toBe('token expired');
      }
    });
  }

  it('leaves a public-key configuration to jose: an HS256 token is refused (no key confusion)', async () => {
    const { publicKey } = await import('node:crypto').then((c) =>
      c.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
    );
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const auth = new AuthMiddleware({ publicKey: pem, clock: new ManualClock(NOW_MS) });
    await expect(auth.verify(signed(HS, valid, { secret: pem }))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'token algorithm not allowed',
    });
  });
});
