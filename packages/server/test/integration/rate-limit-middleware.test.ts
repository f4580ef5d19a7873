import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NamespaceName } from '@ws/protocol';
import { connected, freePort, ManualClock, refused, spawnRedisServer, stopProcess } from '@ws/test-support';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { type Socket as ClientSocket, io as connectClient, Manager } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RateLimitMiddleware, type RateLimitOptions } from '../../src/admission/rate-limit-middleware.js';
import { WsError } from '../../src/ws-error.js';

const NAMESPACES: NamespaceName[] = ['/prices', '/market', '/user', '/admin'];
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A real Socket.IO server on port 0: the handshake limiter on every namespace and a `ping` handler that charges
 * the event limiter the way the server's inbound wrapper does (RATE_LIMITED ack, disconnect on flood).
 */
async function serve(
  options: Partial<RateLimitOptions>,
): Promise<{ url: string; limiter: RateLimitMiddleware; io: Server }> {
  const httpServer = createServer();
  const io = new Server(httpServer);
  const limiter = new RateLimitMiddleware(options);
  for (const name of NAMESPACES) {
    const nsp = io.of(name);
    nsp.use(limiter.handshakeMiddleware());
    nsp.on('connection', (socket) => {
      socket.on('disconnect', () => limiter.release(socket));
      socket.on('ping', async (_payload: unknown, ack: (response: unknown) => void) => {
        const result = await limiter.consume(socket);
        if (!result.ok) {
          ack(new WsError('RATE_LIMITED', 'rate limited', { retryAfterMs: result.retryAfterMs }).toAck());
          if (result.disconnect) socket.disconnect();
          return;
        }
        ack({ ok: true, serverTime: Date.now() });
      });
    });
  }
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => io.close());
  return { url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, limiter, io };
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

type PingAck = { ok: true } | { ok: false; error: { code: string; retryAfterMs?: number } };
const ping = (socket: ClientSocket): Promise<PingAck> => socket.timeout(5000).emitWithAck('ping', {});

async function pings(socket: ClientSocket, count: number): Promise<PingAck[]> {
  const acks: PingAck[] = [];
  for (let i = 0; i < count; i++) acks.push(await ping(socket));
  return acks;
}

const limits = (points: number, durationSec = 30) =>
  Object.fromEntries(NAMESPACES.map((ns) => [ns, { points, durationSec }])) as RateLimitOptions['namespaces'];

describe('RateLimitMiddleware inbound events', () => {
  it('refuses the N+1th request with RATE_LIMITED and the block time, and only that connection', async () => {
    const { url, limiter } = await serve({ namespaces: limits(5), blockDurationSec: 2, floodDisconnectAfter: 100 });
    const socket = client(url, '/prices');
    const neighbour = client(url, '/prices');
    const otherNamespace = client(url, '/market', { forceNew: false });
    await Promise.all([connected(socket), connected(neighbour), connected(otherNamespace)]);

    expect((await pings(socket, 5)).every((ack) => ack.ok)).toBe(true);
    const refused = await ping(socket);
    expect(refused).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    const retryAfterMs = refused.ok ? 0 : (refused.error.retryAfterMs ?? 0);
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(2000);
    expect(limiter.rejections).toBe(1);

    // Per connection and per namespace: nobody else pays for the flooder.
    expect((await pings(neighbour, 5)).every((ack) => ack.ok)).toBe(true);
    expect((await ping(otherNamespace)).ok).toBe(true);
    expect(socket.connected).toBe(true);
  });

  it('keeps the block for its whole period, then lets the connection in again', async () => {
    const clock = new ManualClock();
    const { url } = await serve({ namespaces: limits(3, 1), blockDurationSec: 2, floodDisconnectAfter: 100, clock });
    const socket = client(url, '/user');
    await connected(socket);
    await pings(socket, 3);
    expect(await ping(socket)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retryAfterMs: 2_000 } });
    // The 1 s window has passed, but the 2 s block still holds, to its last millisecond.
    clock.advance(1_999);
    expect(await ping(socket)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retryAfterMs: 1 } });
    clock.advance(1);
    expect((await ping(socket)).ok).toBe(true);
  });

  it('disconnects a connection that keeps flooding while blocked', async () => {
    const { url } = await serve({ namespaces: limits(2), blockDurationSec: 30, floodDisconnectAfter: 3 });
    const socket = client(url, '/admin');
    await connected(socket);
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    await pings(socket, 2);
    const refusals = await pings(socket, 4); // one that starts the block, then three while blocked
    expect(refusals.every((ack) => !ack.ok && ack.error.code === 'RATE_LIMITED')).toBe(true);
    expect(await disconnected).toBe('io server disconnect');
  });

  it('does not disconnect below the flood threshold', async () => {
    const { url } = await serve({ namespaces: limits(2), blockDurationSec: 30, floodDisconnectAfter: 3 });
    const socket = client(url, '/admin');
    await connected(socket);
    await pings(socket, 5); // two accepted, the block, two while blocked
    expect(socket.connected).toBe(true);
    expect((await ping(socket)).ok).toBe(false);
  });
});

describe('RateLimitMiddleware handshakes', () => {
  it('refuses the N+1th connection from one IP with RATE_LIMITED and retryAfterMs', async () => {
    const { url, limiter } = await serve({ handshake: { points: 3, durationSec: 60 } });
    for (let i = 0; i < 3; i++) await connected(client(url, '/prices'));
    const err = await refused(client(url, '/prices'));
    expect(err.message).toBe('RATE_LIMITED');
    expect(err.data).toMatchObject({ code: 'RATE_LIMITED', message: expect.any(String) });
    expect(err.data?.retryAfterMs).toBeGreaterThan(0);
    expect(limiter.handshakeRejections).toBe(1);
  });

  it('charges a client once for the namespaces it multiplexes over one connection', async () => {
    const { url } = await serve({ handshake: { points: 2, durationSec: 60 } });
    const manager = new Manager(url, { transports: ['websocket'], reconnection: false });
    cleanups.push(() => {
      manager.engine?.close();
    });
    const sockets = NAMESPACES.map((ns) => manager.socket(ns));
    for (const socket of sockets) socket.connect();
    await Promise.all(sockets.map(connected));
    await connected(client(url, '/prices'));
    expect((await refused(client(url, '/prices'))).message).toBe('RATE_LIMITED');
  });

  it('a namespace joined later on a paid connection is free too (the settled charge is kept as a count)', async () => {
    const { url } = await serve({ handshake: { points: 1, durationSec: 60 } });
    const manager = new Manager(url, { transports: ['websocket'], reconnection: false });
    cleanups.push(() => {
      manager.engine?.close();
    });
    // manager.socket() connects by itself (autoConnect); an extra connect() would send a second CONNECT.
    await connected(manager.socket('/prices'));
    // After the charge settled: the other namespaces of this connection still ride on it.
    for (const ns of ['/market', '/user', '/admin'] as const) await connected(manager.socket(ns));
    expect((await refused(client(url, '/prices'))).message).toBe('RATE_LIMITED');
  });

  it('charges namespace re-connects beyond one per namespace on the same connection', async () => {
    const { url, io } = await serve({ handshake: { points: 2, durationSec: 60 } });
    const manager = new Manager(url, { transports: ['websocket'], reconnection: false });
    cleanups.push(() => {
      manager.engine?.close();
    });
    const sockets = NAMESPACES.map((ns) => manager.socket(ns));
    for (const socket of sockets) socket.connect();
    await Promise.all(sockets.map(connected));
    const again = sockets[0]!;
    // Reconnect only once the server has seen the disconnect; the client drops a CONNECT sent right after it.
    const reconnect = async () => {
      again.disconnect();
      await vi.waitFor(() => expect(io.of('/prices').sockets.size).toBe(0), { timeout: 5000, interval: 20 });
      again.connect();
    };
    await reconnect();
    await connected(again); // the second point
    await reconnect();
    expect((await refused(again)).message).toBe('RATE_LIMITED');
  });

  it('keys by X-Forwarded-For only when trustProxy is on', async () => {
    const trusting = await serve({ handshake: { points: 1, durationSec: 60 }, trustProxy: true });
    const a = { extraHeaders: { 'x-forwarded-for': '198.51.100.7, 203.0.113.1' } };
    const b = { extraHeaders: { 'x-forwarded-for': '198.51.100.7, 203.0.113.2' } };
    await connected(client(trusting.url, '/prices', a));
    await connected(client(trusting.url, '/prices', b));
    expect((await refused(client(trusting.url, '/prices', a))).message).toBe('RATE_LIMITED');

    const plain = await serve({ handshake: { points: 1, durationSec: 60 } });
    await connected(client(plain.url, '/prices', a));
    expect((await refused(client(plain.url, '/prices', b))).message).toBe('RATE_LIMITED');
  });
});

/** A private redis-server on a free port; `stop()` kills it (SIGKILL), as a crash would. */
async function startRedis(): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = await spawnRedisServer(port);
  const stop = () => stopProcess(child, 'SIGKILL');
  cleanups.push(stop);
  return { port, stop };
}

/** A ready ioredis client; until it is ready the limiter would answer from its memory insurance. */
async function redisClient(port: number): Promise<Redis> {
  const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  redis.on('error', () => undefined);
  cleanups.push(() => {
    redis.disconnect();
  });
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

describe('RateLimitMiddleware with Redis', () => {
  it('two gateway nodes sharing Redis see one handshake budget per IP', async () => {
    const { port } = await startRedis();
    const shared = { handshake: { points: 4, durationSec: 60 }, keyPrefix: `test:${port}` };
    const nodeA = await serve({ ...shared, redis: await redisClient(port) });
    const nodeB = await serve({ ...shared, redis: await redisClient(port) });
    await connected(client(nodeA.url, '/prices'));
    await connected(client(nodeB.url, '/prices'));
    await connected(client(nodeA.url, '/prices'));
    await connected(client(nodeB.url, '/prices'));
    expect((await refused(client(nodeA.url, '/prices'))).message).toBe('RATE_LIMITED');
    expect((await refused(client(nodeB.url, '/prices'))).message).toBe('RATE_LIMITED');
  });

  it('two limiter instances on one Redis share one per-connection event budget', async () => {
    const { port } = await startRedis();
    const options = { namespaces: limits(4), blockDurationSec: 5, keyPrefix: `test:${port}` };
    const a = new RateLimitMiddleware({ ...options, redis: await redisClient(port) });
    const b = new RateLimitMiddleware({ ...options, redis: await redisClient(port) });
    // One connection's key charged through both instances, as two nodes would see it in Redis.
    const descriptor = { id: 'conn-1', nsp: { name: '/prices' }, handshake: { address: '127.0.0.1' } };
    expect(await a.consume(descriptor)).toEqual({ ok: true });
    expect(await b.consume(descriptor)).toEqual({ ok: true });
    expect(await a.consume(descriptor)).toEqual({ ok: true });
    expect(await b.consume(descriptor)).toEqual({ ok: true });
    expect(await a.consume(descriptor)).toMatchObject({ ok: false, disconnect: false });
    expect(await b.consume(descriptor)).toMatchObject({ ok: false });
  });

  it('answers from the insurance limiter when Redis stalls with commands in flight', async () => {
    const { port } = await startRedis();
    const limiter = new RateLimitMiddleware({
      namespaces: limits(2),
      storeTimeoutMs: 100,
      redis: await redisClient(port),
      keyPrefix: `test:${port}`,
    });
    const admin = await redisClient(port);
    // Redis stays "ready" but answers nothing for longer than this test may take.
    await admin.call('CLIENT', 'PAUSE', '120000', 'ALL');
    const descriptor = { id: 'conn-1', nsp: { name: '/user' }, handshake: { address: '127.0.0.1' } };
    expect(await limiter.consume(descriptor)).toEqual({ ok: true });
    expect(await limiter.consume(descriptor)).toEqual({ ok: true });
    expect(await limiter.consume(descriptor)).toMatchObject({ ok: false, disconnect: false });
  });

  it('keeps limiting from memory and never throws when Redis dies mid-test', async () => {
    const redis = await startRedis();
    const client0 = await redisClient(redis.port);
    const { url } = await serve({
      namespaces: limits(3),
      blockDurationSec: 30,
      floodDisconnectAfter: 100,
      handshake: { points: 50, durationSec: 60 },
      redis: client0,
      keyPrefix: `test:${redis.port}`,
    });
    const before = client(url, '/user');
    await connected(before);
    expect((await pings(before, 3)).every((ack) => ack.ok)).toBe(true);

    await redis.stop();
    await vi.waitFor(() => expect(client0.status).not.toBe('ready'), { timeout: 10_000 });

    // New connections still pass the handshake limiter; events are limited by the insurance limiter.
    const after = client(url, '/user');
    await connected(after);
    const acks = await pings(after, 4);
    expect(acks.slice(0, 3).every((ack) => ack.ok)).toBe(true);
    expect(acks[3]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect((await ping(before)).ok).toBeDefined();
    expect(before.connected).toBe(true);
  });
});
