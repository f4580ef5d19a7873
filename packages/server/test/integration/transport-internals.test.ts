// The contract with Engine.IO and ws: the members delivery reaches for exist in the installed versions, and
// without them (or with a parser whose output cannot be framed once) delivery takes Socket.IO's public path
// with the same result on the wire. A real Socket.IO server, real clients.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketMetrics } from '@ws/metrics';
import type { NamespaceName } from '@ws/protocol';
import { type Namespace, Server, type ServerOptions, type Socket } from 'socket.io';
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client';
import { Decoder, Encoder } from 'socket.io-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionManager } from '../../src/connection-manager.js';
import { RoomDelivery } from '../../src/delivery/room-delivery.js';
import {
  missingClassMembers,
  missingConnectionMembers,
  TransportInternals,
} from '../../src/delivery/transport-internals.js';
import type { Logger } from '../../src/logger.js';
import { OrderBooks } from '../../src/state/order-books.js';
import { MemorySnapshotStore } from '../../src/state/snapshot-store.js';
import { type RawSocket, rawWebSocket } from './raw-engine.js';

const FEED = '/feed' as NamespaceName;

interface Setup {
  io: Server;
  nsp: Namespace;
  url: string;
  warnings: unknown[];
  logger: Logger;
  delivery(transport?: TransportInternals): RoomDelivery;
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of open.splice(0).reverse()) await r.close();
});

async function setup(options: Partial<ServerOptions> = {}): Promise<Setup> {
  const http: HttpServer = createServer();
  const io = new Server(http, { serveClient: false, ...options });
  const nsp = io.of(FEED);
  nsp.on('connection', (socket) => void socket.join('room'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const warnings: unknown[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (obj) => warnings.push(obj),
    error: () => undefined,
  };
  const deliveries: RoomDelivery[] = [];
  open.push({
    close: async () => {
      for (const d of deliveries) d.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  });
  return {
    io,
    nsp,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    warnings,
    logger,
    delivery: (transport) => {
      const delivery = new RoomDelivery(
        { conflation: { turnBudgetMs: 0, minLoopUtilization: 0 }, slowConsumer: false },
        {
          io: io as never,
          connections: new ConnectionManager('test'),
          metrics: new WebSocketMetrics({ nodeId: 'test' }),
          logger,
          books: new OrderBooks(),
          snapshots: new MemorySnapshotStore(),
          subscriptions: { rooms: () => [] },
          ...(transport ? { transport } : {}),
        },
      );
      deliveries.push(delivery);
      return delivery;
    },
  };
}

async function client(s: Setup, transports: ('websocket' | 'polling')[] = ['websocket']): Promise<ClientSocket> {
  const c = connectClient(`${s.url}${FEED}`, { transports, forceNew: true, reconnection: false });
  open.push({ close: async () => void c.close() });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('connect_error', reject);
  });
  await waitForMembers(s, s.nsp.sockets.size);
  return c;
}

/** A raw Engine.IO WebSocket joined to the namespace: every frame it receives, byte for byte. */
async function raw(s: Setup): Promise<RawSocket> {
  const r = await rawWebSocket(s.url);
  open.push({ close: async () => r.ws.terminate() });
  r.send(`40${FEED},`);
  await r.frame(`40${FEED},`);
  await waitForMembers(s, s.nsp.sockets.size);
  return r;
}

async function waitForMembers(s: Setup, n: number): Promise<void> {
  await expect.poll(() => s.nsp.adapter.rooms.get('room')?.size ?? 0).toBe(n);
}

function serverSocket(s: Setup, c: ClientSocket): Socket {
  const socket = s.nsp.sockets.get(c.id ?? '');
  if (!socket) throw new Error('no server socket');
  return socket;
}

/** Resolves once the raw socket holds `n` frames starting with `prefix`. */
async function framesOf(r: RawSocket, prefix: string, n: number): Promise<string[]> {
  await expect.poll(() => r.frames.filter((f) => f.startsWith(prefix)).length).toBe(n);
  return r.frames.filter((f) => f.startsWith(prefix));
}

describe('the Engine.IO and ws internals delivery uses', () => {
  it('are all there in the installed versions: the classes, and the fields of polling, WebSocket and upgraded connections', async () => {
    expect(missingClassMembers()).toEqual([]);
    const s = await setup();
    const transport = TransportInternals.probe(s.io.engine, s.logger);
    open.push({ close: async () => transport.close() });
    expect(transport.framesAvailable).toBe(false); // nothing checked before the first connection
    const ws = await client(s, ['websocket']);
    const polling = await client(s, ['polling']);
    const upgraded = await client(s, ['polling', 'websocket']);
    await expect.poll(() => serverSocket(s, upgraded).conn.transport.name).toBe('websocket');
    for (const c of [ws, polling, upgraded]) expect(missingConnectionMembers(serverSocket(s, c).conn)).toEqual([]);
    expect(transport.framesAvailable).toBe(true);
    expect(transport.queuesMeasurable).toBe(true);
    expect(s.warnings).toEqual([]);
  });

  it('a connection without them is named field by field', () => {
    expect(missingConnectionMembers({ transport: { name: 'websocket', socket: { readyState: 1 } } })).toEqual([
      'engine.io Socket#writeBuffer',
      'engine.io Socket#transport.writable',
      'engine.io Socket#flush',
      'engine.io WebSocket transport #socket._sender.sendFrame',
      'engine.io WebSocket transport #socket.bufferedAmount',
      'engine.io WebSocket transport #socket._socket.cork',
    ]);
    const polling = { writeBuffer: [], flush: () => undefined, transport: { name: 'polling', writable: false } };
    expect(missingConnectionMembers(polling)).toEqual([]);
  });
});

describe('holdWrites', () => {
  /** Counts the system-call-level writes of the server side of `c`'s TCP connection. */
  function countWrites(socket: Socket): { count: number } {
    const tcp = (socket.conn.transport as unknown as { socket: { _socket: Record<string, unknown> } }).socket._socket;
    const counter = { count: 0 };
    for (const name of ['_write', '_writev']) {
      const original = tcp[name] as (...args: unknown[]) => unknown;
      tcp[name] = function (this: unknown, ...args: unknown[]) {
        counter.count += 1;
        return original.apply(this, args);
      };
    }
    return counter;
  }

  it('writes the packets sent while held with one write, in order, and nothing before the release', async () => {
    const s = await setup();
    const transport = TransportInternals.probe(s.io.engine, s.logger);
    open.push({ close: async () => transport.close() });
    const c = await client(s);
    const socket = serverSocket(s, c);
    const received: number[] = [];
    c.on('n', (n: number) => received.push(n));
    const writes = countWrites(socket);
    const release = transport.holdWrites(socket);
    expect(release).toBeTypeOf('function');
    for (let n = 1; n <= 3; n++) socket.emit('n', n);
    expect(writes.count).toBe(0);
    release?.();
    expect(writes.count).toBe(1);
    await expect.poll(() => received).toEqual([1, 2, 3]);
    // Released: the next packet goes out as usual.
    socket.emit('n', 4);
    await expect.poll(() => received).toEqual([1, 2, 3, 4]);
    expect(writes.count).toBe(2);
  });

  it('holds nothing on a polling connection, while a write is in flight, or without the internals', async () => {
    const s = await setup();
    const transport = TransportInternals.probe(s.io.engine, s.logger);
    open.push({ close: async () => transport.close() });
    const polling = serverSocket(s, await client(s, ['polling']));
    expect(transport.holdWrites(polling)).toBeUndefined();
    const ws = serverSocket(s, await client(s));
    ws.emit('n', 1); // in flight until its write callback
    expect(transport.holdWrites(ws)).toBeUndefined();
    expect(TransportInternals.publicOnly(s.logger).holdWrites(ws)).toBeUndefined();
  });
});

describe('RoomDelivery', () => {
  const message = (i: number) => ({
    namespace: FEED,
    room: 'room',
    event: 'price.update',
    payload: { i, text: 'prix € 🚀'.repeat(i) },
  });

  it('sends the same frames on the fast path as Socket.IO’s public broadcast (the fallback)', async () => {
    const s = await setup();
    const fast = s.delivery();
    const fallback = s.delivery(TransportInternals.publicOnly(s.logger));
    const r = await raw(s);
    for (let i = 0; i < 3; i++) fast.toRoom(message(i));
    const viaFast = await framesOf(r, `42${FEED},`, 3);
    for (let i = 0; i < 3; i++) fallback.toRoom(message(i));
    const all = await framesOf(r, `42${FEED},`, 6);
    expect(all.slice(3)).toEqual(viaFast);
    expect(viaFast[1]).toBe(`42${FEED},${JSON.stringify(['price.update', message(1).payload])}`);
  });

  it('reaches onAnyOutgoing listeners; the other members still get the frame', async () => {
    const s = await setup();
    const delivery = s.delivery();
    const listening = await client(s);
    const plain = await client(s);
    const heard: unknown[] = [];
    serverSocket(s, listening).onAnyOutgoing((event, payload) => heard.push([event, payload]));
    const got = [listening, plain].map(
      (c) => new Promise((resolve) => c.once('price.update', (payload: unknown) => resolve(payload))),
    );
    delivery.toRoom(message(1));
    expect(await Promise.all(got)).toEqual([message(1).payload, message(1).payload]);
    expect(heard).toEqual([['price.update', message(1).payload]]);
  });

  it('encodes with the server’s parser: a custom encoder’s bytes are what the client receives', async () => {
    // A parser that never sends a field named `secret`: a frame built by hand would.
    class RedactingEncoder extends Encoder {
      constructor() {
        super((key: string, value: unknown) => (key === 'secret' ? undefined : value));
      }
    }
    const s = await setup({ parser: { Encoder: RedactingEncoder, Decoder } });
    const delivery = s.delivery();
    const c = await client(s);
    const got = new Promise((resolve) => c.once('price.update', (payload: unknown) => resolve(payload)));
    delivery.toRoom({ ...message(1), payload: { i: 1, secret: 'x' } });
    expect(await got).toEqual({ i: 1 });
  });

  it('a message the encoder cannot give as one text packet (binary) takes the public path', async () => {
    const s = await setup();
    const delivery = s.delivery();
    const c = await client(s);
    const got = new Promise((resolve) => c.once('blob', (payload: unknown) => resolve(payload)));
    delivery.toRoom({ namespace: FEED, room: 'room', event: 'blob', payload: { data: Buffer.from([1, 2, 3]) } });
    const payload = (await got) as { data: ArrayBuffer | Uint8Array };
    expect([...new Uint8Array(payload.data)]).toEqual([1, 2, 3]);
  });

  it('with a field missing, warns naming it, stops measuring queues and still delivers', async () => {
    const s = await setup();
    const transport = TransportInternals.probe(s.io.engine, s.logger);
    const delivery = s.delivery(transport);
    // A connection whose WebSocket has no `bufferedAmount`, as if ws renamed it: checked on connect, before use.
    s.io.engine.prependListener('connection', (conn: { transport: { socket: object } }) => {
      Object.defineProperty(conn.transport.socket, 'bufferedAmount', { value: undefined });
    });
    const r = await raw(s);
    expect(transport.framesAvailable).toBe(false);
    expect(transport.queuesMeasurable).toBe(false);
    expect(s.warnings).toEqual([{ missing: ['engine.io WebSocket transport #socket.bufferedAmount'] }]);
    delivery.toRoom(message(2));
    expect(await framesOf(r, `42${FEED},`, 1)).toEqual([
      `42${FEED},${JSON.stringify(['price.update', message(2).payload])}`,
    ]);
  });
});
