import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { MultiplexedSocket } from '../../src/multiplexed-socket.js';
import { WebSocketManager } from '../../src/websocket-manager.js';

const NAMESPACES = ['/prices', '/market', '/user', '/admin'] as const;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A real Socket.IO 4 server, WebSocket only (what the gateway allows is both; this client only speaks one). */
async function socketIoServer() {
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'] });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => io.close(() => resolve())));
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

function manager(url: string, options = {}) {
  const m = new WebSocketManager(url, options);
  const sockets: MultiplexedSocket[] = [];
  cleanup.push(() => {
    for (const s of sockets) s.disconnect();
  });
  const socket = (nsp: string, auth: object = {}) => {
    const s = m.socket(nsp, { auth: (cb) => cb(auth) });
    sockets.push(s);
    return s;
  };
  return { m, socket };
}

const next = <T = unknown>(s: MultiplexedSocket, event: string) =>
  new Promise<T>((resolve) => s.once(event, ((value: T) => resolve(value)) as never));

describe('WebSocketManager against a real Socket.IO 4 server', () => {
  it('multiplexes four namespaces over one Engine.IO connection, with auth, events and acks both ways', async () => {
    const { io, url } = await socketIoServer();
    const seen: { nsp: string; conn: object; auth: unknown; header: unknown }[] = [];
    for (const nsp of NAMESPACES) {
      io.of(nsp).on('connection', (socket) => {
        seen.push({
          nsp,
          conn: socket.conn,
          auth: socket.handshake.auth,
          header: socket.handshake.headers['x-client'],
        });
        socket.on('echo', (payload: unknown, ack: (r: unknown) => void) => ack({ ok: true, nsp, payload }));
        socket.emit('hello', { nsp });
      });
    }
    const { socket } = manager(url, { extraHeaders: { 'x-client': 'sdk' } });
    const sockets = NAMESPACES.map((nsp) => socket(nsp, { token: `t${nsp}` }));
    const hellos = sockets.map((s) => next<{ nsp: string }>(s, 'hello'));
    for (const s of sockets) s.connect();
    expect((await Promise.all(hellos)).map((h) => h.nsp)).toEqual([...NAMESPACES]);
    expect(sockets.every((s) => s.connected)).toBe(true);
    expect(io.engine.clientsCount).toBe(1);
    expect(new Set(seen.map((s) => s.conn)).size).toBe(1);
    expect(seen.map((s) => s.auth)).toEqual(NAMESPACES.map((nsp) => ({ token: `t${nsp}` })));
    expect(seen.every((s) => s.header === 'sdk')).toBe(true);

    const acks = await Promise.all(
      sockets.map(
        (s, i) =>
          new Promise((resolve) =>
            s.timeout(5_000).emit('echo', { i }, (err: Error | null, r: unknown) => resolve(err ?? r)),
          ),
      ),
    );
    expect(acks).toEqual(NAMESPACES.map((nsp, i) => ({ ok: true, nsp, payload: { i } })));

    // A server event that asks for an ack is answered.
    sockets[0]!.on('question', ((n: number, ack: (r: number[]) => void) => ack([n + 1])) as never);
    const answered = new Promise((resolve) =>
      io
        .of('/prices')
        .timeout(5_000)
        .emit('question', 41, (err: Error | null, r: unknown) => resolve(err ?? r)),
    );
    expect(await answered).toEqual([[42]]);
  });

  it('a refusal is connect_error with the server data; the connection closes with the last socket', async () => {
    const { io, url } = await socketIoServer();
    io.of('/admin').use((_socket, next) =>
      next(Object.assign(new Error('admin only'), { data: { code: 'FORBIDDEN' } })),
    );
    io.of('/prices').on('connection', () => {});
    const { socket } = manager(url);
    const prices = socket('/prices');
    const admin = socket('/admin');
    const refused = next<Error & { data?: unknown }>(admin, 'connect_error');
    const connected = next(prices, 'connect');
    prices.connect();
    admin.connect();
    const error = await refused;
    expect(error.message).toBe('admin only');
    expect(error.data).toEqual({ code: 'FORBIDDEN' });
    expect(admin.active).toBe(false);
    await connected;
    expect(io.engine.clientsCount).toBe(1);

    const closed = new Promise((resolve) => io.of('/prices').sockets.values().next().value?.on('disconnect', resolve));
    prices.disconnect();
    expect(await closed).toBe('client namespace disconnect');
    await expect.poll(() => io.engine.clientsCount, { timeout: 5_000 }).toBe(0);
  });

  it('server disconnect, a dropped connection and pending acks: socket.io reasons, acks fail at once', async () => {
    const { io, url } = await socketIoServer();
    io.of('/prices').on('connection', (socket) => {
      socket.on('kick', () => socket.disconnect());
      socket.on('drop', () => socket.conn.close());
      socket.on('never', () => {});
    });
    io.of('/market').on('connection', () => {});
    const { socket } = manager(url);
    const prices = socket('/prices');
    const market = socket('/market');
    for (const s of [prices, market]) s.connect();
    await Promise.all([next(prices, 'connect'), next(market, 'connect')]);

    const kicked = next(prices, 'disconnect');
    prices.emit('kick', {});
    expect(await kicked).toBe('io server disconnect');
    expect(prices.active).toBe(false);
    expect(market.connected).toBe(true);

    prices.connect();
    await next(prices, 'connect');
    const pending = new Promise<Error | null>((resolve) =>
      prices.timeout(60_000).emit('never', {}, (err: Error | null) => resolve(err)),
    );
    const reasons = Promise.all([next(prices, 'disconnect'), next(market, 'disconnect')]);
    prices.emit('drop', {});
    expect(await reasons).toEqual(['transport close', 'transport close']);
    expect((await pending)?.message).toBe('socket has been disconnected');
    // Still registered: opening the manager again reconnects both.
    expect(prices.active && market.active).toBe(true);
    const back = Promise.all([next(prices, 'connect'), next(market, 'connect')]);
    prices.io.open();
    await back;
    const notConnected = await new Promise<Error | null>((resolve) => {
      prices.disconnect();
      prices.timeout(60_000).emit('never', {}, (err: Error | null) => resolve(err));
    });
    expect(notConnected?.message).toBe('socket is not connected');
  });
});

describe('WebSocketManager against a bare Engine.IO peer', () => {
  it('answers pings and closes with `ping timeout` when the next ping is late', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    cleanup.push(() => new Promise((resolve) => wss.close(resolve)));
    const received: string[] = [];
    wss.on('connection', (ws, req) => {
      received.push(req.url ?? '');
      ws.on('message', (data) => {
        const text = String(data);
        received.push(text);
        if (text.startsWith('40/prices,')) {
          ws.send('40/prices,{"sid":"s1"}');
          ws.send('2');
        }
      });
      ws.send('0{"sid":"e1","upgrades":[],"pingInterval":100,"pingTimeout":100,"maxPayload":1000000}');
    });
    const { socket } = manager(`http://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    const prices = socket('/prices', { token: 't' });
    const connected = next(prices, 'connect');
    const dropped = next(prices, 'disconnect');
    prices.connect();
    await connected;
    expect(await dropped).toBe('ping timeout');
    expect(received[0]).toMatch(/^\/socket\.io\/\?EIO=4&transport=websocket$/);
    expect(received.slice(1)).toEqual(['40/prices,{"token":"t"}', '3']);
  });

  it('a close inside the Engine.IO handshake is a connect_error at once, not a wait for the timeout', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    cleanup.push(() => new Promise((resolve) => wss.close(resolve)));
    wss.on('connection', (ws) => ws.terminate());
    const { socket } = manager(`http://127.0.0.1:${(wss.address() as AddressInfo).port}`, { timeout: 600_000 });
    const prices = socket('/prices');
    const failed = next<Error>(prices, 'connect_error');
    prices.connect();
    expect((await failed).message).toBe('transport close');
    expect(prices.active).toBe(true);
  });

  it('a page that goes offline closes the connection at once (`transport close`), as engine.io-client does', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    cleanup.push(() => new Promise((resolve) => wss.close(resolve)));
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        if (String(data).startsWith('40/prices,')) ws.send('40/prices,{"sid":"s1"}');
      });
      ws.send('0{"sid":"e1","upgrades":[],"pingInterval":600000,"pingTimeout":600000,"maxPayload":1000000}');
    });
    // A browser page's `window` events, in Node.
    const page = new EventTarget();
    const g = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
    g.addEventListener = page.addEventListener.bind(page);
    g.removeEventListener = page.removeEventListener.bind(page);
    cleanup.push(() => {
      delete g.addEventListener;
      delete g.removeEventListener;
    });
    const { socket } = manager(`http://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    const prices = socket('/prices');
    const connected = next(prices, 'connect');
    prices.connect();
    await connected;
    const dropped = next(prices, 'disconnect');
    page.dispatchEvent(new Event('offline'));
    expect(await dropped).toBe('transport close');
  });
});
