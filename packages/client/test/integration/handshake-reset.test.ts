import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TradingClient } from '../../src/index.js';
import { pollingManager } from '../../src/polling.js';

/**
 * A TCP proxy in front of a real Socket.IO server that, while `cuts` > 0, lets a connection's WebSocket
 * upgrade through and then resets it (RST) after the first byte of the Engine.IO OPEN frame: the upgrade
 * succeeded, the handshake did not, and no WebSocket error is raised, only a close.
 */
async function handshakeCutter(targetPort: number) {
  const state = { cuts: 0, accepted: 0 };
  const server: NetServer = createServer((client: Socket) => {
    state.accepted++;
    const upstream = connect(targetPort, '127.0.0.1');
    const cut = state.cuts > 0;
    if (cut) state.cuts--;
    client.on('data', (chunk) => upstream.write(chunk));
    let seen = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      if (!cut) {
        client.write(chunk);
        return;
      }
      seen = Buffer.concat([seen, chunk]);
      const end = seen.indexOf('\r\n\r\n');
      if (end < 0 || seen.length < end + 5) return;
      client.write(seen.subarray(0, end + 5), () => {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      });
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { state, port: (server.address() as AddressInfo).port, close: () => server.close() };
}

describe('a connection reset during the Engine.IO handshake', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  // The default manager fails such an attempt itself; with socket.io-client's Manager, HandshakeWatch does.
  it.each([
    ['the default WebSocket manager', undefined],
    ["socket.io-client's Manager (pollingManager, WebSocket only)", pollingManager],
  ])(
    'is a failed attempt retried at once, not a wait for the connect timeout, on connect and on reconnect: %s',
    async (_name, manager) => {
      const http = createHttpServer();
      const io = new Server(http, { transports: ['websocket'] });
      io.of('/prices').on('connection', (socket) => {
        socket.on('subscribe', (_payload: unknown, ack: (r: unknown) => void) =>
          ack({ ok: true, symbols: ['BTC/USDT'] }),
        );
      });
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      cleanup.push(() => new Promise<void>((resolve) => io.close(() => resolve())));
      const proxy = await handshakeCutter((http.address() as AddressInfo).port);
      cleanup.push(() => proxy.close());

      proxy.state.cuts = 1;
      const client = new TradingClient({
        url: `http://127.0.0.1:${proxy.port}`,
        timeout: 120_000,
        pingInterval: 0,
        reconnectDelayMin: 10,
        reconnectDelayMax: 50,
        // socket.io's own connect timeout, far beyond this test's: only a retry of the cut attempt can pass.
        socketOptions: { timeout: 120_000, transports: ['websocket'] },
        ...(manager ? { manager } : {}),
      });
      cleanup.push(() => client.close());
      // The first connection is cut inside the handshake; the SDK must try again by itself.
      const subscribed = client.subscribePrices(['BTC/USDT']);
      subscribed.catch(() => {});
      await vi.waitFor(() => expect(proxy.state.accepted).toBe(2), { timeout: 20_000 });
      await expect(subscribed).resolves.toEqual(['BTC/USDT']);
      expect(client.state).toBe('connected');

      // Connected: the connection drops, and the reconnect attempt is cut inside its handshake too.
      proxy.state.cuts = 1;
      for (const s of io.of('/prices').sockets.values()) s.conn.close();
      await vi.waitFor(() => expect(proxy.state.accepted).toBe(4), { timeout: 20_000 });
      await vi.waitFor(() => expect(client.state).toBe('connected'), { timeout: 20_000 });
    },
  );
});
