import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Ack,
  type AuthRefreshResult,
  type ClientToServerEvents,
  type InterServerEvents,
  inboundValidators,
  type NamespaceName,
  type ServerToClientEvents,
  type SocketData,
  type SystemMessage,
} from '@ws/protocol';
import { ManualClock, signToken, TEST_SECRET } from '@ws/test-support';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { Server } from 'socket.io';
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthMiddleware, type AuthOptions } from '../../src/admission/auth-middleware.js';
import { isWsError, WsError } from '../../src/ws-error.js';

const NAMESPACES: NamespaceName[] = ['/prices', '/market', '/user', '/admin'];
const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * `sent`: each `system.message` the server emitted, as `userId message`, also to a socket already gone;
 * `gone`: the server's disconnects, as `userId reason`.
 */
type Served = { url: string; auth: AuthMiddleware; sent: string[]; gone: string[]; close: () => Promise<void> };
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real Socket.IO server on port 0 with the auth middleware on all four namespaces and an `auth.refresh` handler. */
async function serve(options: AuthOptions): Promise<Served> {
  const httpServer = createServer();
  const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer);
  const auth = new AuthMiddleware(options);
  const sent: string[] = [];
  const gone: string[] = [];
  for (const name of NAMESPACES) {
    const nsp = io.of(name);
    nsp.use(auth.middleware(name));
    nsp.on('connection', (socket) => {
      socket.onAnyOutgoing((event: string, payload: SystemMessage) => {
        if (event === 'system.message') sent.push(`${socket.data.userId} ${payload.message}`);
      });
      socket.on('disconnect', (reason) => gone.push(`${socket.data.userId} ${reason}`));
      auth.watch(socket);
      socket.emit('connection.authenticated', {
        namespace: name,
        sessionId: socket.id,
        userId: socket.data.userId,
        role: socket.data.role,
        serverTime: Date.now(),
      });
      socket.on('auth.refresh', (payload: unknown, ack: (response: Ack<AuthRefreshResult>) => void) => {
        if (typeof ack !== 'function') return;
        if (!inboundValidators.common['auth.refresh'].check(payload)) {
          ack(new WsError('INVALID_PAYLOAD', 'invalid auth.refresh payload').toAck());
          return;
        }
        auth.refresh(socket, payload.token).then(
          (result) => ack({ ok: true, ...result }),
          (err: unknown) => ack((isWsError(err) ? err : new WsError('INTERNAL', 'refresh failed')).toAck()),
        );
      });
    });
  }
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const served = {
    url,
    auth,
    sent,
    gone,
    close: async () => {
      auth.close();
      await io.close();
    },
  };
  cleanups.push(served.close);
  return served;
}

function client(url: string, namespace: NamespaceName, options: Record<string, unknown> = {}): ClientSocket {
  const socket = connectClient(`${url}${namespace}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...options,
  });
  cleanups.push(() => {
    socket.disconnect();
  });
  return socket;
}

type Outcome =
  | { connected: true; authenticated: { userId: string | null; role: string | null } }
  | { connected: false; message: string; data: unknown };

/** Connects and resolves with `connection.authenticated` or with the `connect_error`. */
function attempt(url: string, namespace: NamespaceName, options: Record<string, unknown> = {}): Promise<Outcome> {
  const socket = client(url, namespace, options);
  return new Promise((resolve) => {
    socket.once('connection.authenticated', (payload: { userId: string | null; role: string | null }) =>
      resolve({ connected: true, authenticated: { userId: payload.userId, role: payload.role } }),
    );
    socket.once('connect_error', (err: Error & { data?: unknown }) =>
      resolve({ connected: false, message: err.message, data: err.data }),
    );
  });
}

function refused(code: string) {
  return { connected: false, message: code, data: expect.objectContaining({ code, message: expect.any(String) }) };
}

describe('auth attack suite over real sockets (HS256)', () => {
  it('public namespaces accept no token but refuse an invalid one', async () => {
    const { url } = await serve({ secret: TEST_SECRET });
    for (const ns of ['/prices', '/market'] as const) {
      expect(await attempt(url, ns)).toEqual({ connected: true, authenticated: { userId: null, role: null } });
      expect(await attempt(url, ns, { auth: { token: 'garbage' } })).toEqual(refused('UNAUTHORIZED'));
      expect(await attempt(url, ns, { auth: { token: signToken({ userId: 'u-1' }) } })).toEqual({
        connected: true,
        authenticated: { userId: 'u-1', role: 'user' },
      });
    }
  });

  it('/user and /admin refuse a missing token', async () => {
    const { url } = await serve({ secret: TEST_SECRET });
    expect(await attempt(url, '/user')).toEqual(refused('UNAUTHORIZED'));
    expect(await attempt(url, '/admin')).toEqual(refused('UNAUTHORIZED'));
    expect(await attempt(url, '/user', { auth: { token: '' } })).toEqual(refused('UNAUTHORIZED'));
  });

  it.each([
    ['garbage', async () => 'garbage.token.here'],
    ['a non-string token', async () => 42],
    ['an oversized token', async () => 'a'.repeat(9000)],
    ['alg none', async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ userId: 'u-1', exp: now() + 600 })}.`],
    ['a wrong secret', () => signToken({ userId: 'u-1' }, { secret: 'a-different-secret-also-at-least-32-bytes' })],
    ['an expired token', () => signToken({ userId: 'u-1', exp: now() - 60 })],
    ['a not-yet-valid token', () => signToken({ userId: 'u-1', nbf: now() + 600 })],
    ['a token without userId or sub', () => signToken({ role: 'user' })],
    ['an unknown role', () => signToken({ userId: 'u-1', role: 'superuser' })],
    ['a user id outside the protocol pattern', () => signToken({ userId: 'u 1; drop' })],
  ])('/user refuses %s with UNAUTHORIZED', async (_name, token) => {
    const { url } = await serve({ secret: TEST_SECRET });
    expect(await attempt(url, '/user', { auth: { token: await token() } })).toEqual(refused('UNAUTHORIZED'));
  });

  it('/user accepts a valid token from auth.token and from an Authorization header', async () => {
    const { url } = await serve({ secret: TEST_SECRET });
    const token = signToken({ sub: 'u-9' });
    expect(await attempt(url, '/user', { auth: { token } })).toEqual({
      connected: true,
      authenticated: { userId: 'u-9', role: 'user' },
    });
    expect(await attempt(url, '/user', { extraHeaders: { authorization: `Bearer ${token}` } })).toEqual({
      connected: true,
      authenticated: { userId: 'u-9', role: 'user' },
    });
    expect(await attempt(url, '/user', { extraHeaders: { authorization: `Basic ${token}` } })).toEqual(
      refused('UNAUTHORIZED'),
    );
  });

  it('/admin answers FORBIDDEN for a valid user token and accepts an admin token', async () => {
    const { url } = await serve({ secret: TEST_SECRET });
    expect(await attempt(url, '/admin', { auth: { token: signToken({ userId: 'u-1' }) } })).toEqual(
      refused('FORBIDDEN'),
    );
    expect(await attempt(url, '/admin', { auth: { token: signToken({ userId: 'u-1', role: 'service' }) } })).toEqual(
      refused('FORBIDDEN'),
    );
    // An admin token must still name who acts, for the audit trail.
    expect(await attempt(url, '/admin', { auth: { token: signToken({ role: 'admin' }) } })).toEqual(
      refused('UNAUTHORIZED'),
    );
    expect(await attempt(url, '/admin', { auth: { token: signToken({ userId: 'ops', role: 'admin' }) } })).toEqual({
      connected: true,
      authenticated: { userId: 'ops', role: 'admin' },
    });
  });

  it('checks issuer and audience when configured', async () => {
    const { url } = await serve({ secret: TEST_SECRET, issuer: 'exchange', audience: 'ws' });
    const ok = signToken({ userId: 'u-1', iss: 'exchange', aud: 'ws' });
    expect((await attempt(url, '/user', { auth: { token: ok } })).connected).toBe(true);
    for (const claims of [{ iss: 'evil', aud: 'ws' }, { iss: 'exchange', aud: 'other' }, { aud: 'ws' }]) {
      const token = signToken({ userId: 'u-1', ...claims });
      expect(await attempt(url, '/user', { auth: { token } })).toEqual(refused('UNAUTHORIZED'));
    }
  });
});

describe('auth attack suite over real sockets (RS256)', () => {
  it('refuses the RS/HS key confusion and accepts a real RS256 token', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const { url } = await serve({ publicKey: pem });
    const confused = signToken({ userId: 'u-1', role: 'admin' }, { secret: pem });
    expect(await attempt(url, '/admin', { auth: { token: confused } })).toEqual(refused('UNAUTHORIZED'));
    const real = await new SignJWT({ userId: 'ops', role: 'admin' })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await attempt(url, '/admin', { auth: { token: real } })).connected).toBe(true);
  });
});

describe('the token after verification', () => {
  it('leaves the handshake (auth.token), while the other auth fields stay', async () => {
    const httpServer = createServer();
    const io = new Server(httpServer);
    const auth = new AuthMiddleware({ secret: TEST_SECRET });
    const seen: Record<string, unknown>[] = [];
    for (const name of ['/user', '/prices'] as const) {
      io.of(name).use(auth.middleware(name));
      io.of(name).on('connection', (socket) => {
        seen.push({ namespace: name, ...socket.handshake.auth, userId: socket.data.userId });
      });
    }
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      auth.close();
      await io.close();
    });
    const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    const since = { orders: 4 };
    const token = signToken({ userId: 'u-1' });
    const connectedTo = (namespace: NamespaceName, options: Record<string, unknown>) =>
      new Promise<void>((resolve, reject) => {
        const socket = client(url, namespace, options);
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
    await connectedTo('/user', { auth: { token, since } });
    await connectedTo('/prices', { auth: {} });
    await connectedTo('/prices', { extraHeaders: { authorization: `Bearer ${token}` } });
    expect(seen).toEqual([
      { namespace: '/user', since, userId: 'u-1' },
      { namespace: '/prices', userId: null },
      { namespace: '/prices', userId: 'u-1' },
    ]);
  });
});

describe('token expiry while connected', () => {
  function collect(socket: ClientSocket): SystemMessage[] {
    const messages: SystemMessage[] = [];
    socket.on('system.message', (message: SystemMessage) => messages.push(message));
    return messages;
  }

  /** Also when it connected already: a token minted after `client()` gives a fast server time to accept it. */
  function connected(socket: ClientSocket): Promise<void> {
    if (socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  }

  function disconnected(socket: ClientSocket): Promise<string> {
    return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
  }

  /** A socket answers a round trip: anything the server sent it before (a disconnect) has arrived. */
  async function roundTrip(socket: ClientSocket): Promise<void> {
    const ack = await socket.timeout(5000).emitWithAck('auth.refresh', { token: 42 });
    expect(ack).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
  }

  /** A test clock started on a whole second, and `exp(s)`: the `exp` claim `s` seconds after that start. */
  function testClock() {
    const start = Math.floor(Date.now() / 1000);
    const exp = (s: number) => start + s;
    return { clock: new ManualClock(start * 1000), exp };
  }

  it('warns, then sends system.message and disconnects at expiry', async () => {
    const { clock, exp } = testClock();
    const { url } = await serve({ secret: TEST_SECRET, expiryNoticeMs: 1500, clock });
    const socket = client(url, '/user', { auth: { token: signToken({ userId: 'u-1', exp: exp(3) }) } });
    const messages = collect(socket);
    await connected(socket);
    clock.advanceTo(exp(3) * 1000 - 1501);
    await roundTrip(socket);
    expect(messages).toEqual([]);
    clock.advanceTo(exp(3) * 1000 - 1500);
    await vi.waitFor(() => expect(messages).toHaveLength(1));
    expect(messages[0]).toMatchObject({ type: 'warning', message: 'token expires in 2 s; send auth.refresh' });
    clock.advanceTo(exp(3) * 1000 - 1);
    await roundTrip(socket);
    expect(socket.connected).toBe(true);
    const reason = disconnected(socket);
    clock.advanceTo(exp(3) * 1000);
    expect(await reason).toBe('io server disconnect');
    expect(messages.map((m) => m.type)).toEqual(['warning', 'critical']);
    expect(messages[1]?.message).toBe('token expired');
  });

  it('sockets share the expiry timers: each is dropped at its own expiry, in order; one that left is skipped', async () => {
    const { clock, exp } = testClock();
    const served = await serve({ secret: TEST_SECRET, expiryNoticeMs: 0, clock });
    const { url } = served;
    // Connected first, however long that takes: the tokens' time only moves with the test clock.
    const first = client(url, '/user', { auth: { token: signToken({ userId: 'u-1', exp: exp(2) }) } });
    const second = client(url, '/user', { auth: { token: signToken({ userId: 'u-2', exp: exp(3) }) } });
    const left = client(url, '/user', { auth: { token: signToken({ userId: 'u-3', exp: exp(2) }) } });
    const messages = [collect(first), collect(second)];
    await Promise.all([connected(first), connected(second), connected(left)]);
    const order: string[] = [];
    const dropped = Promise.all([
      disconnected(first).then((reason) => order.push(`first ${reason}`)),
      disconnected(second).then((reason) => order.push(`second ${reason}`)),
    ]);
    left.disconnect();
    // Its deadline is forgotten in the server's disconnect handling, before the clock moves.
    await vi.waitFor(() => expect(served.gone).toEqual([expect.stringMatching(/^u-3 /)]));

    clock.advanceTo(exp(2) * 1000 - 1);
    await Promise.all([roundTrip(first), roundTrip(second)]);
    expect(order).toEqual([]);
    clock.advanceTo(exp(2) * 1000);
    await vi.waitFor(() => expect(order).toEqual(['first io server disconnect']));
    await roundTrip(second);
    expect(second.connected).toBe(true);
    clock.advanceTo(exp(3) * 1000);
    await dropped;
    expect(order).toEqual(['first io server disconnect', 'second io server disconnect']);
    for (const m of messages) expect(m.map((x) => x.message)).toEqual(['token expired']);
    // The one that left got nothing: its deadline was forgotten, not fired at a closed socket.
    expect(served.sent).toEqual(['u-1 token expired', 'u-2 token expired']);
    expect(clock.pending).toBe(0);
  });

  it('close() clears the expiry timers', async () => {
    const { clock, exp } = testClock();
    const closed = await serve({ secret: TEST_SECRET, expiryNoticeMs: 0, clock });
    const running = await serve({ secret: TEST_SECRET, expiryNoticeMs: 0, clock });
    const token = signToken({ userId: 'u-1', exp: exp(2) });
    const kept = client(closed.url, '/user', { auth: { token } });
    const control = client(running.url, '/user', { auth: { token } });
    await Promise.all([connected(kept), connected(control)]);
    closed.auth.close();
    const reason = disconnected(control);
    clock.advanceTo(exp(2) * 1000);
    expect(await reason).toBe('io server disconnect');
    // A round trip after the expiry: a disconnect from a leftover timer would have arrived first.
    const ack = await kept.timeout(5000).emitWithAck('auth.refresh', { token: signToken({ userId: 'u-1' }) });
    expect(ack).toMatchObject({ ok: true });
    expect(kept.connected).toBe(true);
    expect(closed.sent).toEqual([]);
  });

  it('a token that expires beyond setTimeout’s 2^31-1 ms cap does not fire early', async () => {
    const { url } = await serve({ secret: TEST_SECRET });
    const exp = now() + 40 * 24 * 3600;
    const socket = client(url, '/user', { auth: { token: signToken({ userId: 'u-1', exp }) } });
    const messages = collect(socket);
    await connected(socket);
    // An overflowing timeout would fire after 1 ms; give it ample time to do so.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ack = await socket.timeout(5000).emitWithAck('auth.refresh', { token: signToken({ userId: 'u-1', exp }) });
    expect(ack).toEqual({ ok: true, expiresAt: exp * 1000 });
    expect(socket.connected).toBe(true);
    expect(messages).toEqual([]);
  });

  it('expiry on /user leaves the same connection’s /prices socket up', async () => {
    const { clock, exp } = testClock();
    const { url } = await serve({ secret: TEST_SECRET, expiryNoticeMs: 0, clock });
    const token = signToken({ userId: 'u-1', exp: exp(2) });
    const user = client(url, '/user', { auth: { token }, forceNew: false });
    const prices = client(url, '/prices', { forceNew: false });
    await Promise.all([connected(user), connected(prices)]);
    const reason = disconnected(user);
    clock.advanceTo(exp(2) * 1000);
    expect(await reason).toBe('io server disconnect');
    expect(prices.connected).toBe(true);
    const pong = await prices.timeout(5000).emitWithAck('auth.refresh', { token });
    // /prices was anonymous: there is nothing to refresh, but the socket answers, so it is alive.
    expect(pong).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('auth.refresh with a later token for the same user keeps the socket past the first expiry', async () => {
    const { clock, exp } = testClock();
    const { url } = await serve({ secret: TEST_SECRET, expiryNoticeMs: 0, clock });
    const refreshed = client(url, '/user', { auth: { token: signToken({ userId: 'u-1', exp: exp(2) }) } });
    const control = client(url, '/user', { auth: { token: signToken({ userId: 'u-1', exp: exp(2) }) } });
    const messages = collect(refreshed);
    await Promise.all([connected(refreshed), connected(control)]);

    const later = exp(600);
    const ack = await refreshed
      .timeout(5000)
      .emitWithAck('auth.refresh', { token: signToken({ userId: 'u-1', exp: later }) });
    expect(ack).toEqual({ ok: true, expiresAt: later * 1000 });

    // The control socket with the same first token is dropped at its expiry; the refreshed one stays.
    const reason = disconnected(control);
    clock.advanceTo(exp(2) * 1000);
    expect(await reason).toBe('io server disconnect');
    const stillAlive = await refreshed
      .timeout(5000)
      .emitWithAck('auth.refresh', { token: signToken({ userId: 'u-1', exp: later }) });
    expect(stillAlive).toMatchObject({ ok: true });
    expect(refreshed.connected).toBe(true);
    expect(messages).toEqual([]);
  });

  it('refuses a refresh for another user, a forged token and an invalid payload, and keeps the socket', async () => {
    const { url } = await serve({ secret: TEST_SECRET });
    const socket = client(url, '/user', { auth: { token: signToken({ userId: 'u-1' }) } });
    await connected(socket);
    const otherUser = await socket.timeout(5000).emitWithAck('auth.refresh', { token: signToken({ userId: 'u-2' }) });
    expect(otherUser).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const forged = await socket.timeout(5000).emitWithAck('auth.refresh', {
      token: signToken({ userId: 'u-1' }, { secret: 'a-different-secret-also-at-least-32-bytes' }),
    });
    expect(forged).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    const expired = await socket
      .timeout(5000)
      .emitWithAck('auth.refresh', { token: signToken({ userId: 'u-1', exp: now() - 60 }) });
    expect(expired).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED', message: 'token expired' } });
    const invalid = await socket.timeout(5000).emitWithAck('auth.refresh', { token: 42 });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(socket.connected).toBe(true);
  });

  it('an admin socket cannot refresh to a non-admin token', async () => {
    const { url } = await serve({ secret: TEST_SECRET });
    const socket = client(url, '/admin', { auth: { token: signToken({ userId: 'ops', role: 'admin' }) } });
    await connected(socket);
    const ack = await socket.timeout(5000).emitWithAck('auth.refresh', { token: signToken({ userId: 'ops' }) });
    expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
