import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { ClientStats, type StatsDelta } from '../../src/clients/client-stats.js';
import { LeanClient, type LeanClientOptions, LeanConnectError } from '../../src/clients/lean-client.js';
import { freePort } from '../../src/gateway/server-process.js';
import { hiResNow } from '../../src/measure/clock.js';

/** Counters summed over several `take()`s, histograms as counts. */
class Totals {
  received = 0;
  byEvent: Record<string, number> = {};
  byNamespace: Record<string, number> = {};
  gapEvents = 0;
  gapMissed = 0;
  drops = 0;
  errors: Record<string, number> = {};
  connectFailures: Record<string, number> = {};
  constructor(private readonly stats: ClientStats) {}
  /** Folds in what the clients counted since the last call; returns the raw delta too. */
  update(): StatsDelta {
    const d = this.stats.take();
    this.received += d.received;
    for (const [k, v] of Object.entries(d.byEvent)) this.byEvent[k] = (this.byEvent[k] ?? 0) + v;
    for (const [k, v] of Object.entries(d.byNamespace)) this.byNamespace[k] = (this.byNamespace[k] ?? 0) + v;
    for (const [k, v] of Object.entries(d.errors)) this.errors[k] = (this.errors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(d.connectFailures))
      this.connectFailures[k] = (this.connectFailures[k] ?? 0) + v;
    this.gapEvents += d.gapEvents;
    this.gapMissed += d.gapMissed;
    this.drops += d.drops;
    return d;
  }
}

const clients: LeanClient[] = [];
function lean(options: Partial<LeanClientOptions> & Pick<LeanClientOptions, 'url' | 'target' | 'stats'>): LeanClient {
  const client = new LeanClient({
    namespace: '/prices',
    symbols: ['BTC/USDT'],
    channels: [],
    timeoutMs: 5_000,
    ...options,
  });
  clients.push(client);
  return client;
}
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

/** A price.update as this tool's publisher makes it: the sub-ms send stamp in `volume`. */
function priceUpdate(symbol: string, seq?: number) {
  const now = hiResNow();
  return {
    symbol,
    price: '100.5',
    volume: now.toFixed(3),
    timestamp: Math.floor(now),
    ...(seq === undefined ? {} : { seq }),
  };
}

describe('LeanClient against a real Socket.IO server', () => {
  let http: HttpServer;
  let io: Server;
  let url: string;
  const pongs = new Map<string, number>();

  beforeAll(async () => {
    http = createServer();
    // A short heartbeat, so the test sees several ping/pong rounds.
    io = new Server(http, { transports: ['websocket'], pingInterval: 100, pingTimeout: 1_000 });
    const prices = io.of('/prices');
    prices.use((socket, next) => {
      if ((socket.handshake.auth as { token?: string }).token !== 'bad') return next();
      next(Object.assign(new Error('UNAUTHORIZED'), { data: { code: 'UNAUTHORIZED', message: 'bad token' } }));
    });
    prices.on('connection', (socket: Socket) => {
      socket.conn.on('packet', (packet: { type: string }) => {
        if (packet.type === 'pong') pongs.set(socket.id, (pongs.get(socket.id) ?? 0) + 1);
      });
      socket.on('subscribe', (payload: { symbols: string[] }, ack: (r: unknown) => void) => {
        for (const s of payload.symbols) socket.join(`prices:${s}`);
        ack({ ok: true, symbols: payload.symbols });
        socket.emit('subscription.confirmed', { symbols: payload.symbols });
      });
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => io.close(resolve));
  });

  it('connects, counts published messages, gaps and latency, answers pings, and closes without a drop', async () => {
    const stats = new ClientStats();
    const totals = new Totals(stats);
    const client = lean({ url, target: 'socketio', stats });
    await client.connect();
    const connected = totals.update();
    expect(connected).toMatchObject({ connected: 1, connectAttempts: 1, requests: 1 });
    expect(connected.connectHistogram).not.toBe('');

    const room = io.of('/prices').to('prices:BTC/USDT');
    // seq 1 is the first of the room (a snapshot, not timed); 4 is missing.
    for (const seq of [1, 2, 3, 5, 6]) room.emit('price.update', priceUpdate('BTC/USDT', seq));
    io.of('/prices').to('prices:BTC/USDT').emit('error', { code: 'RATE_LIMITED', message: 'slow down' });
    io.of('/prices').emit('system.message', { type: 'info', message: 'not a stream message' });
    let latencyCount = 0;
    await vi.waitFor(() => {
      const d = totals.update();
      // Histograms are encoded; a non-empty one since the last take means latencies were recorded.
      if (d.latencyHistogram !== '') latencyCount++;
      expect(totals.received).toBe(5);
      expect(totals.errors).toEqual({ RATE_LIMITED: 1 });
    });
    expect(totals.byEvent).toEqual({ 'price.update': 5 });
    expect(totals.byNamespace).toEqual({ '/prices': 5 });
    expect([totals.gapEvents, totals.gapMissed]).toEqual([1, 1]);
    expect(latencyCount).toBeGreaterThan(0);

    // Several heartbeats: the server only keeps a client that answers every ping.
    const [socket] = await io.of('/prices').fetchSockets();
    await vi.waitFor(() => expect(pongs.get(socket?.id ?? '') ?? 0).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    expect(io.of('/prices').sockets.size).toBe(1);

    client.close();
    await vi.waitFor(() => expect(io.of('/prices').sockets.size).toBe(0));
    expect(totals.update().drops).toBe(0);
    expect(stats.connected).toBe(1);
  });

  it('times every message after the first of a room from the publisher stamp', async () => {
    const stats = new ClientStats();
    const client = lean({ url, target: 'socketio', stats, symbols: ['ETH/USDT'] });
    await client.connect();
    stats.take();
    const room = io.of('/prices').to('prices:ETH/USDT');
    for (let seq = 1; seq <= 50; seq++) room.emit('price.update', priceUpdate('ETH/USDT', seq));
    const totals = new Totals(stats);
    const { decodeFromCompressedBase64 } = await import('hdr-histogram-js');
    let timed = 0;
    await vi.waitFor(() => {
      const d = totals.update();
      if (d.latencyHistogram !== '') {
        const h = decodeFromCompressedBase64(d.latencyHistogram, 32, false);
        timed += h.totalCount;
        // Loopback, same clock: well under a minute, never negative (clamped to 1 µs at worst).
        expect(h.maxValue).toBeLessThan(60_000_000);
        h.destroy();
      }
      expect(totals.received).toBe(50);
    });
    expect(timed).toBe(49);
    expect(totals.gapEvents).toBe(0);
  });

  it('counts a connection the server ends as a drop', async () => {
    const stats = new ClientStats();
    const client = lean({ url, target: 'socketio', stats, symbols: ['SOL/USDT'] });
    await client.connect();
    for (const socket of await io.of('/prices').in('prices:SOL/USDT').fetchSockets()) socket.disconnect(true);
    await vi.waitFor(() => expect(stats.take().drops).toBe(1));
    expect(stats.connected).toBe(0);
  });

  it('rejects with the server code when the namespace refuses, and with the system code when nothing listens', async () => {
    const stats = new ClientStats();
    const refused = lean({ url, target: 'socketio', stats, token: 'bad' }).connect();
    await expect(refused).rejects.toThrow(LeanConnectError);
    await expect(refused).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const nowhere = lean({ url: `http://127.0.0.1:${await freePort()}`, target: 'socketio', stats }).connect();
    await expect(nowhere).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(stats.take().connectFailures).toEqual({ UNAUTHORIZED: 1, ECONNREFUSED: 1 });
  });

  it('fails an upgrade nobody answers with ECONNRESET, as before', async () => {
    const stats = new ClientStats();
    // A raw-ws client against Socket.IO: Engine.IO ends upgrades of other paths without a response.
    await expect(lean({ url, target: 'ws', stats }).connect()).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});

describe('LeanClient against a real ws server (the raw baseline protocol)', () => {
  let wss: WebSocketServer;
  let url: string;
  const subscribers = new Map<string, Set<WebSocket>>();

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws', perMessageDeflate: false });
    await once(wss, 'listening');
    url = `http://127.0.0.1:${(wss.address() as { port: number }).port}`;
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as { type: string; symbols: string[] };
        if (msg.type !== 'subscribe') return;
        for (const s of msg.symbols) subscribers.set(s, (subscribers.get(s) ?? new Set()).add(ws));
        ws.send('{"type":"subscribed"}');
      });
    });
  });
  afterAll(async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });

  it('subscribes and counts every published frame with its latency', async () => {
    const stats = new ClientStats();
    const totals = new Totals(stats);
    const a = lean({ url, target: 'ws', stats, symbols: ['BTC/USDT'] });
    const b = lean({ url, target: 'ws', stats, symbols: ['BTC/USDT'] });
    await Promise.all([a.connect(), b.connect()]);
    expect(totals.update()).toMatchObject({ connected: 2, connectAttempts: 2 });
    const sent = 1_000;
    for (let i = 0; i < sent; i++) {
      const frame = JSON.stringify({ event: 'price.update', data: priceUpdate('BTC/USDT') });
      for (const ws of subscribers.get('BTC/USDT') ?? []) ws.send(frame);
    }
    let timed = 0;
    const { decodeFromCompressedBase64 } = await import('hdr-histogram-js');
    await vi.waitFor(() => {
      const d = totals.update();
      if (d.latencyHistogram !== '') {
        const h = decodeFromCompressedBase64(d.latencyHistogram, 32, false);
        timed += h.totalCount;
        h.destroy();
      }
      expect(totals.received).toBe(2 * sent);
    });
    expect(totals.byEvent).toEqual({ 'price.update': 2 * sent });
    // No seq on the baseline: nothing is a room's first message, every one is timed, no gaps.
    expect(timed).toBe(2 * sent);
    expect(totals.gapEvents).toBe(0);
    for (const ws of wss.clients) ws.terminate();
    await vi.waitFor(() => {
      totals.update();
      expect(totals.drops).toBe(2);
    });
  });
});

describe('LeanClient against a server that refuses the upgrade', () => {
  it('rejects with TRANSPORT, as before', async () => {
    const http = createServer((_req, res) => res.writeHead(404).end());
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const stats = new ClientStats();
      const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
      await expect(lean({ url, target: 'socketio', stats }).connect()).rejects.toMatchObject({
        code: 'TRANSPORT',
        message: expect.stringMatching(/server response: 404/i),
      });
      expect(stats.take().connectFailures).toEqual({ TRANSPORT: 1 });
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});
