import { once } from 'node:events';
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { connected, refused, TEST_SECRET } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { Redis } from 'ioredis';
import { io as connectClient, Manager } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from '../../src/index.js';
import { connectErrorOf, pollingHandshake, rawWebSocket, sidOf } from './raw-engine.js';

const servers: TestServer[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const server of servers.splice(0)) await server.close();
});

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const server = await startServer(options);
  servers.push(server);
  return server;
}

describe('the root namespace and undeclared namespaces', () => {
  it('refuses "/" with NOT_FOUND, with or without a token (real socket.io-client)', async () => {
    const { url } = await serve();
    for (const auth of [{}, { token: 'garbage' }]) {
      const socket = connectClient(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth });
      cleanups.push(() => socket.disconnect());
      const err = await refused(socket);
      expect(err.message).toBe('NOT_FOUND');
      expect(err.data).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('/prices') });
    }
  });

  it('refuses "/" while initialize() still waits for Redis, before any namespace is wired', async () => {
    // A "Redis" that accepts connections and never answers: the bus waits for it (up to its own bound) before
    // the namespaces get their admission, and Socket.IO is attached all that time.
    const silent = createTcpServer((s) => cleanups.push(() => s.destroy()));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanups.push(() => silent.close());
    const port = (silent.address() as AddressInfo).port;
    const redis = () => {
      const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => null });
      client.on('error', () => undefined);
      cleanups.push(() => client.disconnect());
      return client;
    };
    const server = new WebSocketServer({
      auth: { secret: TEST_SECRET },
      redis: { pub: redis(), sub: redis(), prefix: 'wait' },
    });
    const http = createServer();
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const initializing = server.initialize(http);
    expect(server.state).toBe('initializing');
    const socket = connectClient(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    cleanups.push(() => socket.disconnect());
    const err = await refused(socket);
    expect(err.message).toBe('NOT_FOUND');
    // The bus gives up waiting and the server runs degraded; it closes as usual.
    await initializing;
    await server.close();
  });

  it('refuses "/" over raw WebSocket frames too, and an undeclared namespace', async () => {
    const { url, server } = await serve();
    const raw = await rawWebSocket(url);
    cleanups.push(() => raw.ws.terminate());
    raw.send('40');
    expect(connectErrorOf(await raw.frame('44'))).toMatchObject({ message: 'NOT_FOUND', data: { code: 'NOT_FOUND' } });
    raw.send('40/nope,');
    expect(connectErrorOf(await raw.frame('44/nope,')).message).toBe('Invalid namespace');
    expect(server.io.of('/').sockets.size).toBe(0);
    // The connection itself still serves the declared namespaces.
    raw.send('40/prices,');
    expect(await raw.frame('40/prices,')).toMatch(/"sid"/);
  });
});

describe('the handshake limit at the Engine.IO request', () => {
  const limited = { rateLimit: { handshake: { points: 2, durationSec: 60 } } };

  it('an IP over its limit cannot hold a connection on "/" or anywhere: it is told RATE_LIMITED and cut', async () => {
    const { url, server } = await serve(limited);
    await connected(servers[0]!.connect('/prices'));
    await connected(servers[0]!.connect('/market'));
    // The third connection from this IP: a raw WebSocket that asks for a namespace.
    const asking = await rawWebSocket(url);
    cleanups.push(() => asking.ws.terminate());
    asking.send('40/prices,');
    const err = connectErrorOf(await asking.frame('44/prices,'));
    expect(err).toMatchObject({ message: 'RATE_LIMITED', data: { code: 'RATE_LIMITED' } });
    expect(err.data?.retryAfterMs).toBeGreaterThan(0);
    await asking.closed;
    // One that never asks for a namespace (the old hole: it sat on "/") is closed as well.
    const idle = await rawWebSocket(url);
    cleanups.push(() => idle.ws.terminate());
    await idle.closed;
    expect(server.io.of('/').sockets.size).toBe(0);
    expect(server.io.engine.clientsCount).toBe(2);
  });

  it('a real socket.io-client over the limit gets a typed RATE_LIMITED on its namespace', async () => {
    const server = await serve(limited);
    await connected(server.connect('/prices'));
    await connected(server.connect('/prices'));
    const err = await refused(server.connect('/user', { token: await server.token({ userId: 'u-1' }) }));
    expect(err.message).toBe('RATE_LIMITED');
    expect(err.data).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
  });

  it('a polling handshake is charged at the request too', async () => {
    const { url } = await serve({ rateLimit: { handshake: { points: 1, durationSec: 60 } } });
    const first = await pollingHandshake(url);
    expect(first.status).toBe(200);
    const second = await pollingHandshake(url);
    expect(second.status).toBe(200);
    const sid = sidOf(second.body);
    const post = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: 'POST',
      body: '40/prices,',
    });
    expect(post.status).toBe(200);
    const answer = await (await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`)).text();
    expect(answer).toContain('44/prices,');
    expect(connectErrorOf(answer.slice(answer.indexOf('44/prices,')))).toMatchObject({ message: 'RATE_LIMITED' });
  });

  it('one charge still covers the namespaces a client multiplexes over its connection', async () => {
    const server = await serve({ rateLimit: { handshake: { points: 1, durationSec: 60 } } });
    const manager = new Manager(server.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    cleanups.push(() => manager.engine?.close());
    const token = await server.token({ userId: 'u-1', role: 'admin' });
    const sockets = (['/prices', '/market', '/user', '/admin'] as const).map((ns) =>
      manager.socket(ns, { auth: { token } }),
    );
    await Promise.all(sockets.map((s) => connected(s)));
    expect((await refused(server.connect('/prices'))).message).toBe('RATE_LIMITED');
  });
});

describe('maintenance before any namespace', () => {
  it('refuses every non-admin namespace and "/" while on; /admin keeps working', async () => {
    const server = await serve({ maintenance: { enabled: true, message: 'upgrade' } });
    expect((await refused(server.connect('/prices'))).message).toBe('MAINTENANCE');
    const root = connectClient(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
    cleanups.push(() => root.disconnect());
    expect((await refused(root)).message).toBe('NOT_FOUND');
    await connected(server.connect('/admin', { token: await server.token({ userId: 'ops', role: 'admin' }) }));
  });
});

describe('WS_CORS_ORIGIN on both transports, before the handshake', () => {
  const origins = { corsOrigins: ['https://app.example.com'] };

  it('refuses a WebSocket upgrade from a foreign or null Origin; allows the listed one and none', async () => {
    const { url, server } = await serve(origins);
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com.evil.example']) {
      // Engine.IO answers every refused upgrade with 400 (polling handshakes get 403).
      await expect(rawWebSocket(url, { origin })).rejects.toMatchObject({ status: 400 });
    }
    expect(server.io.engine.clientsCount).toBe(0);
    for (const headers of [{ origin: 'https://app.example.com' }, {}] as Record<string, string>[]) {
      const raw = await rawWebSocket(url, headers);
      cleanups.push(() => raw.ws.terminate());
      raw.send('40/prices,');
      expect(await raw.frame('40/prices,')).toMatch(/"sid"/);
    }
  });

  it('refuses a foreign-origin polling handshake with 403 and serves the listed origin with CORS headers', async () => {
    const { url } = await serve(origins);
    expect((await pollingHandshake(url, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await pollingHandshake(url, { origin: 'null' })).status).toBe(403);
    const allowed = await pollingHandshake(url, { origin: 'https://app.example.com' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((await pollingHandshake(url)).status).toBe(200);
  });

  it('a socket.io-client sending a foreign Origin is refused; the listed one connects', async () => {
    const server = await serve(origins);
    const evil = server.connect('/user', {
      token: await server.token({ userId: 'u-1' }),
      extraHeaders: { origin: 'https://evil.example' },
    });
    const err = await refused(evil);
    expect(err.message).toBe('websocket error');
    expect(server.server.io.engine.clientsCount).toBe(0);
    await connected(server.connect('/prices', { extraHeaders: { origin: 'https://app.example.com' } }));
  });

  it('"*" allows every origin, null included', async () => {
    const { url } = await serve({ corsOrigins: '*' });
    for (const origin of ['https://anything.example', 'null']) {
      const raw = await rawWebSocket(url, { origin });
      cleanups.push(() => raw.ws.terminate());
    }
    expect((await pollingHandshake(url, { origin: 'null' })).status).toBe(200);
  });
});

describe('the handshake auth object', () => {
  it('refuses unknown fields with INVALID_PAYLOAD, so junk is never pinned to a connection', async () => {
    const server = await serve();
    const token = await server.token({ userId: 'u-1' });
    for (const ns of ['/prices', '/user'] as const) {
      const err = await refused(server.connect(ns, { auth: { token, junk: 'x'.repeat(50_000) } }));
      expect(err.message).toBe('INVALID_PAYLOAD');
      expect(err.data).toMatchObject({ code: 'INVALID_PAYLOAD', message: expect.stringContaining('handshake auth') });
    }
    expect(server.server.io.of('/prices').sockets.size + server.server.io.of('/user').sockets.size).toBe(0);
  });

  it('keeps only what the protocol defines: since on /user, nothing on the public namespaces', async () => {
    const server = await serve();
    const token = await server.token({ userId: 'u-1' });
    await connected(server.connect('/user', { auth: { token, since: { orders: 0 } } }));
    await connected(server.connect('/prices', { auth: { token, since: { orders: 0 } } }));
    await connected(server.connect('/market', { auth: { token: null } }));
    const [user] = server.server.io.of('/user').sockets.values();
    const [prices] = server.server.io.of('/prices').sockets.values();
    const [market] = server.server.io.of('/market').sockets.values();
    expect(user?.handshake.auth).toEqual({ since: { orders: 0 } });
    expect(prices?.handshake.auth).toEqual({});
    expect(market?.handshake.auth).toEqual({ token: null });
  });

  it('a malformed token stays UNAUTHORIZED and a malformed since stays recovered: false', async () => {
    const server = await serve();
    expect((await refused(server.connect('/prices', { auth: { token: 42 } }))).message).toBe('UNAUTHORIZED');
    const token = await server.token({ userId: 'u-1' });
    const socket = server.connect('/user', { auth: { token, since: { orders: 'x'.repeat(5000) } } });
    const authenticated = new Promise<{ recovered?: boolean }>((resolve) =>
      socket.once('connection.authenticated', resolve),
    );
    await connected(socket);
    expect((await authenticated).recovered).toBe(false);
    const [user] = server.server.io.of('/user').sockets.values();
    expect(user?.handshake.auth).toEqual({ since: null });
  });
});
