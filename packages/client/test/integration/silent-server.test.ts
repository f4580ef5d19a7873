import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { isTradingClientError, TradingClient, type TradingClientError } from '../../src/index.js';

// A real Socket.IO server that accepts connections and never answers: what an overloaded or wedged gateway looks like.
describe('against a server that never acks', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('rejects requests with TIMEOUT (naming namespace and event) and stays connected', async () => {
    const http = createServer();
    const io = new Server(http, { transports: ['websocket'] });
    io.of('/prices').on('connection', () => {});
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => io.close(() => resolve())));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const client = new TradingClient({ url, timeout: 2_000, pingInterval: 0 });
    // Connected first, so the TIMEOUT below is the ack's, not the connection's.
    await client.subscribePrices(['BTC/USDT']).catch(() => {});
    expect(client.state).toBe('connected');
    cleanup.push(() => client.close());

    const error = (await client.subscribePrices(['BTC/USDT']).catch((e: unknown) => e)) as TradingClientError;
    expect(isTradingClientError(error, 'TIMEOUT')).toBe(true);
    expect(error.namespace).toBe('/prices');
    expect(error.event).toBe('subscribe');
    expect(client.state).toBe('connected');
    expect(client.subscriptions().prices).toEqual([]);
    const ping = await client.ping().catch((e: unknown) => e);
    expect(isTradingClientError(ping, 'TIMEOUT')).toBe(true);
  });

  it('a request in flight when the connection drops rejects with DISCONNECTED', async () => {
    const http = createServer();
    const io = new Server(http, { transports: ['websocket'] });
    io.of('/prices').on('connection', (socket) => {
      socket.on('subscribe', () => socket.disconnect(true));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => io.close(() => resolve())));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const client = new TradingClient({
      url,
      timeout: 5_000,
      pingInterval: 0,
      reconnectDelayMin: 10,
      reconnectDelayMax: 50,
    });
    cleanup.push(() => client.close());
    const error = await client.subscribePrices(['BTC/USDT']).catch((e: unknown) => e);
    expect(isTradingClientError(error, 'DISCONNECTED')).toBe(true);
  });
});
