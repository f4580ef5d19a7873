import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@ws/test-support';
import { exportJWK, exportSPKI, type GenerateKeyPairResult, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthMiddleware } from '../../src/admission/auth-middleware.js';
import { isWsError } from '../../src/ws-error.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const now = () => Math.floor(Date.now() / 1000);

function b64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

async function hs256(claims: JWTPayload, secret: string = SECRET, alg = 'HS256'): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg });
  if (claims.exp === undefined) jwt.setExpirationTime('1h');
  return jwt.sign(new TextEncoder().encode(secret));
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isWsError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('AuthMiddleware.verify against an injected clock', () => {
  it('checks exp and nbf at the clock’s time, not the system’s', async () => {
    const clock = new ManualClock(Date.UTC(2000, 0, 1));
    const auth = new AuthMiddleware({ secret: SECRET, clock });
    const at = clock.now() / 1000;
    // Long expired by the system's time, valid by the clock's.
    const context = await auth.verify(await hs256({ userId: 'u-1', exp: at + 60 }));
    expect(context.expiresAt).toBe((at + 60) * 1000);
    // Valid by the system's time, not yet valid by the clock's.
    expect(await rejection(auth.verify(await hs256({ userId: 'u-1', nbf: now() })))).toEqual({
      code: 'UNAUTHORIZED',
      message: 'token not yet valid',
    });
    clock.advance(66_000);
    expect(await rejection(auth.verify(await hs256({ userId: 'u-1', exp: at + 60 })))).toEqual({
      code: 'UNAUTHORIZED',
      message: 'token expired',
    });
  });
});

describe('AuthMiddleware.verify with HS256', () => {
  const auth = new AuthMiddleware({ secret: SECRET, issuer: 'exchange', audience: 'ws-gateway' });
  const base = { iss: 'exchange', aud: 'ws-gateway' };

  it('accepts a valid token and reads userId, role and exp', async () => {
    const exp = now() + 600;
    const context = await auth.verify(await hs256({ ...base, userId: 'u-1', role: 'admin', exp }));
    expect(context).toEqual({ userId: 'u-1', role: 'admin', expiresAt: exp * 1000 });
  });

  it('falls back to sub and defaults the role to user', async () => {
    const context = await auth.verify(await hs256({ ...base, sub: 'trader:42' }));
    expect(context.userId).toBe('trader:42');
    expect(context.role).toBe('user');
  });

  it('prefers userId over sub', async () => {
    const context = await auth.verify(await hs256({ ...base, sub: 'other', userId: 'u-7' }));
    expect(context.userId).toBe('u-7');
  });

  it('returns a null userId when neither userId nor sub is present', async () => {
    expect((await auth.verify(await hs256({ ...base }))).userId).toBeNull();
  });

  it.each([
    ['garbage', 'not-a-jwt'],
    ['empty', ''],
    ['three empty parts', '..'],
  ])('refuses %s', async (_name, token) => {
    expect((await rejection(auth.verify(token))).code).toBe('UNAUTHORIZED');
  });

  it('refuses alg none', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...base, userId: 'u-1', exp: now() + 600 })}.`;
    expect(await rejection(auth.verify(token))).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('refuses alg none even with a signature part', async () => {
    const token = `${b64url({ alg: 'none' })}.${b64url({ ...base, userId: 'u-1', exp: now() + 600 })}.${b64url('x')}`;
    expect((await rejection(auth.verify(token))).code).toBe('UNAUTHORIZED');
  });

  it('refuses a wrong secret', async () => {
    const token = await hs256({ ...base, userId: 'u-1' }, 'another-secret-that-is-also-32-bytes-long!');
    expect(await rejection(auth.verify(token))).toEqual({ code: 'UNAUTHORIZED', message: 'invalid token signature' });
  });

  it('refuses a tampered payload', async () => {
    const token = await hs256({ ...base, userId: 'u-1', role: 'user' });
    const [header, , signature] = token.split('.');
    const forged = `${header}.${b64url({ ...base, userId: 'u-1', role: 'admin', exp: now() + 600 })}.${signature}`;
    expect((await rejection(auth.verify(forged))).code).toBe('UNAUTHORIZED');
  });

  it('verifies HS256, HS384 and HS512 with one secret, each with its own hash, over and over', async () => {
    const all = new AuthMiddleware({ secret: SECRET, algorithms: ['HS256', 'HS384', 'HS512'] });
    for (const alg of ['HS256', 'HS384', 'HS512', 'HS256', 'HS512']) {
      const context = await all.verify(await hs256({ userId: `u-${alg}` }, SECRET, alg));
      expect(context.userId).toBe(`u-${alg}`);
      const other = await hs256({ userId: 'u-x' }, 'another-secret-that-is-at-least-32-bytes', alg);
      expect((await rejection(all.verify(other))).code).toBe('UNAUTHORIZED');
    }
  });

  it('refuses HS512 when only HS256 is allowed', async () => {
    const token = await hs256({ ...base, userId: 'u-1' }, SECRET, 'HS512');
    expect(await rejection(auth.verify(token))).toEqual({
      code: 'UNAUTHORIZED',
      message: 'token algorithm not allowed',
    });
  });

  it('refuses an expired token beyond the clock tolerance', async () => {
    const token = await hs256({ ...base, userId: 'u-1', exp: now() - 60 });
    expect(await rejection(auth.verify(token))).toEqual({ code: 'UNAUTHORIZED', message: 'token expired' });
  });

  it('accepts a token expired within the clock tolerance', async () => {
    const token = await hs256({ ...base, userId: 'u-1', exp: now() - 2 });
    expect((await auth.verify(token)).userId).toBe('u-1');
  });

  it('refuses a token that is not yet valid', async () => {
    const token = await hs256({ ...base, userId: 'u-1', nbf: now() + 120 });
    expect(await rejection(auth.verify(token))).toEqual({ code: 'UNAUTHORIZED', message: 'token not yet valid' });
  });

  it('refuses a token without exp', async () => {
    const token = await new SignJWT({ ...base, userId: 'u-1' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET));
    expect((await rejection(auth.verify(token))).code).toBe('UNAUTHORIZED');
  });

  it('refuses a wrong issuer and a wrong audience', async () => {
    const wrongIss = await hs256({ iss: 'evil', aud: 'ws-gateway', userId: 'u-1' });
    const wrongAud = await hs256({ iss: 'exchange', aud: 'other-service', userId: 'u-1' });
    const noIss = await hs256({ aud: 'ws-gateway', userId: 'u-1' });
    expect(await rejection(auth.verify(wrongIss))).toEqual({ code: 'UNAUTHORIZED', message: 'token iss mismatch' });
    expect(await rejection(auth.verify(wrongAud))).toEqual({ code: 'UNAUTHORIZED', message: 'token aud mismatch' });
    expect((await rejection(auth.verify(noIss))).code).toBe('UNAUTHORIZED');
  });

  it('refuses an unknown role and a non-string role', async () => {
    expect(await rejection(auth.verify(await hs256({ ...base, userId: 'u-1', role: 'root' })))).toEqual({
      code: 'UNAUTHORIZED',
      message: 'unknown role',
    });
    expect((await rejection(auth.verify(await hs256({ ...base, userId: 'u-1', role: ['admin'] })))).code).toBe(
      'UNAUTHORIZED',
    );
  });

  it('refuses a user id that breaks the protocol pattern', async () => {
    expect((await rejection(auth.verify(await hs256({ ...base, userId: 'a b' })))).code).toBe('UNAUTHORIZED');
    expect((await rejection(auth.verify(await hs256({ ...base, userId: 42 })))).code).toBe('UNAUTHORIZED');
    expect((await rejection(auth.verify(await hs256({ ...base, sub: 'x'.repeat(129) })))).code).toBe('UNAUTHORIZED');
  });

  it('refuses an oversized token before parsing it', async () => {
    const token = await hs256({ ...base, userId: 'u-1', pad: 'x'.repeat(9000) });
    expect(await rejection(auth.verify(token))).toEqual({ code: 'UNAUTHORIZED', message: 'invalid token' });
  });
});

describe('AuthMiddleware configuration', () => {
  it('refuses no key, a short secret, alg none and HS with only a public key', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    expect(() => new AuthMiddleware({})).toThrow(/secret, a publicKey or a jwksUrl/);
    expect(() => new AuthMiddleware({ secret: 'short' })).toThrow(/at least 32 bytes/);
    expect(() => new AuthMiddleware({ secret: SECRET, algorithms: ['none'] })).toThrow(/never allowed/);
    expect(() => new AuthMiddleware({ publicKey: pem, algorithms: ['HS256'] })).toThrow(/needs a secret/);
    expect(() => new AuthMiddleware({ publicKey: pem, algorithms: ['ES256'] })).toThrow(/does not fit/);
    expect(() => new AuthMiddleware({ secret: SECRET, algorithms: [] })).toThrow(/must not be empty/);
  });
});

describe('AuthMiddleware.verify with public keys', () => {
  it('accepts RS256 and refuses the RS/HS key confusion', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const auth = new AuthMiddleware({ publicKey: pem });
    const good = await new SignJWT({ userId: 'u-1' })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await auth.verify(good)).userId).toBe('u-1');

    // HS256 signed with the public key PEM as the HMAC secret: the classic confusion attack.
    const confused = await new SignJWT({ userId: 'u-1', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(pem));
    expect(await rejection(auth.verify(confused))).toEqual({
      code: 'UNAUTHORIZED',
      message: 'token algorithm not allowed',
    });
  });

  it('accepts ES256 and refuses a token signed by another key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const other = await generateKeyPair('ES256');
    const auth = new AuthMiddleware({ publicKey: await exportSPKI(publicKey) });
    const sign = (key: GenerateKeyPairResult['privateKey']) =>
      new SignJWT({ sub: 'u-2', role: 'service' })
        .setProtectedHeader({ alg: 'ES256' })
        .setExpirationTime('1h')
        .sign(key);
    expect(await auth.verify(await sign(privateKey))).toMatchObject({ userId: 'u-2', role: 'service' });
    expect((await rejection(auth.verify(await sign(other.privateKey)))).code).toBe('UNAUTHORIZED');
  });

  it('allows only RS256 for an RSA key by default, other RSA algorithms when listed', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS512', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const sign = (alg: string) =>
      new SignJWT({ userId: 'u-1' }).setProtectedHeader({ alg }).setExpirationTime('1h').sign(privateKey);
    expect((await rejection(new AuthMiddleware({ publicKey: pem }).verify(await sign('RS512')))).message).toBe(
      'token algorithm not allowed',
    );
    const listed = new AuthMiddleware({ publicKey: pem, algorithms: ['RS256', 'RS512'] });
    expect((await listed.verify(await sign('RS512'))).userId).toBe('u-1');
  });

  it('ignores a key embedded in the token header (jwk/jku injection)', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const attacker = await generateKeyPair('RS256', { extractable: true });
    const auth = new AuthMiddleware({ publicKey: await exportSPKI(publicKey) });
    const token = await new SignJWT({ userId: 'u-1', role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', jwk: await exportJWK(attacker.publicKey), jku: 'http://127.0.0.1:1/jwks' })
      .setExpirationTime('1h')
      .sign(attacker.privateKey);
    expect(await rejection(auth.verify(token))).toEqual({ code: 'UNAUTHORIZED', message: 'invalid token signature' });
  });

  it('refuses RS256 signed with a different key even with a matching kid header', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const attacker = await generateKeyPair('RS256');
    const auth = new AuthMiddleware({ publicKey: await exportSPKI(publicKey) });
    const token = await new SignJWT({ userId: 'u-1' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime('1h')
      .sign(attacker.privateKey);
    expect((await rejection(auth.verify(token))).code).toBe('UNAUTHORIZED');
  });
});

describe('AuthMiddleware.verify with a JWKS URL', () => {
  let server: Server;
  let url: string;
  let requests = 0;
  let rsa: GenerateKeyPairResult;
  let ec: GenerateKeyPairResult;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('verifies RS256 and ES256 tokens by kid and caches the key set', async () => {
    const auth = new AuthMiddleware({ jwksUrl: url });
    const rsToken = await new SignJWT({ userId: 'u-1' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setExpirationTime('1h')
      .sign(rsa.privateKey);
    const esToken = await new SignJWT({ userId: 'u-2' })
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
      .setExpirationTime('1h')
      .sign(ec.privateKey);
    const before = requests;
    expect((await auth.verify(rsToken)).userId).toBe('u-1');
    expect((await auth.verify(esToken)).userId).toBe('u-2');
    expect((await auth.verify(rsToken)).userId).toBe('u-1');
    expect(requests - before).toBe(1);
  });

  it('refuses an unknown kid, a foreign key and HS256', async () => {
    const auth = new AuthMiddleware({ jwksUrl: url });
    const foreign = await generateKeyPair('RS256');
    const unknownKid = await new SignJWT({ userId: 'u-1' })
      .setProtectedHeader({ alg: 'RS256', kid: 'nope' })
      .setExpirationTime('1h')
      .sign(foreign.privateKey);
    const wrongKey = await new SignJWT({ userId: 'u-1' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setExpirationTime('1h')
      .sign(foreign.privateKey);
    expect((await rejection(auth.verify(unknownKid))).code).toBe('UNAUTHORIZED');
    expect((await rejection(auth.verify(wrongKey))).code).toBe('UNAUTHORIZED');
    expect((await rejection(auth.verify(await hs256({ userId: 'u-1' })))).code).toBe('UNAUTHORIZED');
  });

  it('answers UNAUTHORIZED, not a crash, when the JWKS endpoint is unreachable', async () => {
    const auth = new AuthMiddleware({ jwksUrl: 'http://127.0.0.1:1/jwks.json' });
    const token = await new SignJWT({ userId: 'u-1' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setExpirationTime('1h')
      .sign(rsa.privateKey);
    expect(await rejection(auth.verify(token))).toEqual({
      code: 'UNAUTHORIZED',
      message: 'token could not be verified',
    });
  });
});

describe('AuthMiddleware.middleware: when it answers', () => {
  const socketWith = (token: string | undefined) => ({
    id: 's-1',
    connected: true,
    nsp: { name: '/prices' },
    handshake: { auth: token === undefined ? {} : { token }, headers: {} },
    data: {} as { userId?: string | null; role?: string | null; tokenExpiresAt?: number | null },
    emit: () => true,
    disconnect: () => undefined,
    on: () => undefined,
  });
  type Next = (err?: Error) => void;
  const run = (auth: AuthMiddleware, token: string | undefined) => {
    const socket = socketWith(token);
    const calls: (Error | undefined)[] = [];
    const done = new Promise<void>((resolve) => {
      const next: Next = (err) => {
        calls.push(err);
        resolve();
      };
      auth.middleware('/prices')(socket as never, next);
    });
    // What was decided before the middleware returned: no turn taken.
    return { socket, sync: [...calls], done, calls };
  };

  it('decides at once, with no extra turn, for no token and for HS256 tokens the fast path verifies or refuses', async () => {
    const auth = new AuthMiddleware({ secret: SECRET });
    const valid = run(auth, await hs256({ userId: 'u-1' }));
    expect(valid.sync).toEqual([undefined]);
    expect(valid.socket.data).toMatchObject({ userId: 'u-1', role: 'user' });
    expect(valid.socket.handshake.auth).toEqual({}); // the raw token left the handshake
    expect(run(auth, undefined).sync).toEqual([undefined]);
    const forged = run(auth, await hs256({ userId: 'u-1' }, 'another-secret-that-is-at-least-32-bytes'));
    expect(forged.sync).toHaveLength(1);
    expect((forged.sync[0] as { data?: { code?: string } }).data?.code).toBe('UNAUTHORIZED');
  });

  it('leaves what only jose can decide to jose, asynchronously, with the same checks', async () => {
    const auth = new AuthMiddleware({ secret: SECRET, algorithms: ['HS256', 'HS512'] });
    const hs512 = run(auth, await hs256({ userId: 'u-2' }, SECRET, 'HS512'));
    expect(hs512.sync).toEqual([]);
    await hs512.done;
    expect(hs512.calls).toEqual([undefined]);
    expect(hs512.socket.data).toMatchObject({ userId: 'u-2' });
    const expired = run(auth, await hs256({ userId: 'u-2', exp: now() - 3600 }));
    await expired.done;
    expect((expired.calls[0] as { data?: { message?: string } }).data?.message).toBe('token expired');
    const junk = run(auth, 'not-a-jwt');
    expect(junk.sync).toEqual([]);
    await junk.done;
    expect((junk.calls[0] as { data?: { code?: string } }).data?.code).toBe('UNAUTHORIZED');
  });
});
