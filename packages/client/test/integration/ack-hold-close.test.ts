import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { TradingClient } from '../../src/index.js';
import { pollingManager } from '../../src/polling.js';

const BTC = 'BTC/USDT';

/**
 * A real Socket.IO 4 server whose `/prices` answers a subscribe with the ack and the snapshot, then ends the
 * connection at once (`end`): the client reads the end with them, while the snapshot is still held behind
 * the ack (until the next macrotask). Without the flush on close a TCP cut drops it.
 */
async function closingPricesServer(end: (socket: Socket) => void, transport: 'websocket' | 'polling' = 'websocket') {
  const http = createServer();
  const io = new Server(http, { transports: [transport] });
  io.of('/prices').on('connection', (socket) => {
    socket.on('subscribe', ({ symbols }: { symbols: string[] }, ack: (response: unknown) => void) => {
      ack({ ok: true, symbols });
      const p = { symbol: BTC, price: '100', bid: '99', ask: '101', volume: '1', timestamp: Date.now(), seq: 1 };
      socket.emit('price.update', p);
      end(socket);
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}

/** The server-side TCP socket under a Socket.IO socket's WebSocket transport (Engine.IO and ws internals). */
const tcpOf = (s: Socket) =>
  (s.conn as unknown as { transport: { socket: { _socket: { destroy(): void } } } }).transport.socket._socket;

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/**
 * Subscribes a client of `server` and resolves with its first connection's story: the snapshot, then leaving
 * connected. Only the first: full-jitter backoff may reconnect at once, and the server ends that one too.
 */
async function firstConnectionStory(
  server: Awaited<ReturnType<typeof closingPricesServer>>,
  extra: Partial<ConstructorParameters<typeof TradingClient>[0]> = {},
): Promise<void> {
  const client = new TradingClient({
    url: server.url,
    timeout: 5_000,
    reconnectDelayMin: 5_000,
    pingInterval: 0,
    ...extra,
  });
  open.push(client);
  const seen: string[] = [];
  client.on(`price:${BTC}`, (p) => seen.push(`price ${p.price}`));
  client.on('state', (s) => {
    if (s.previous === 'connected') seen.push(`left connected: ${s.state}`);
  });
  await client.subscribePrices([BTC]);
  await expect.poll(() => seen.slice(0, 2), { timeout: 10_000 }).toEqual(['price 100', 'left connected: reconnecting']);
}

describe('what follows an ack when the connection ends in the same read', () => {
  for (const [name, end] of [
    ['the server disconnects the socket (its DISCONNECT packet)', (s: Socket) => s.disconnect(true)],
    [
      'the TCP connection is cut once the two are written (no DISCONNECT, no close handshake)',
      (s: Socket) => setImmediate(() => tcpOf(s).destroy()),
    ],
  ] as const) {
    it(`${name}: the held snapshot is delivered before the client reports the disconnect`, async () => {
      const server = await closingPricesServer(end);
      open.push(server);
      await firstConnectionStory(server);
    });
  }

  it('over long-polling (pollingManager), the server disconnects the socket: the ack, the snapshot and the DISCONNECT come in one poll; the DISCONNECT waits behind the held snapshot', async () => {
    const server = await closingPricesServer((s) => s.disconnect(true), 'polling');
    open.push(server);
    await firstConnectionStory(server, { manager: pollingManager, socketOptions: { transports: ['polling'] } });
  });
});
