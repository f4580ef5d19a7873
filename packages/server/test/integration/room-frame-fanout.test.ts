import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NamespaceName } from '@ws/protocol';
import { type Namespace, Server, type Socket } from 'socket.io';
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BroadcastFrame,
  encodeBroadcastFrame,
  type FanoutResult,
  fanOutToRoom,
} from '../../src/delivery/room-frame-fanout.js';
import { RoomRecipients } from '../../src/delivery/room-recipients.js';
import { TransportInternals } from '../../src/delivery/transport-internals.js';
import { silentLogger } from '../../src/logger.js';

// A plain Socket.IO server: the fan-out is checked against Socket.IO's own client and encoding.
let http: HttpServer;
let io: Server;
let nsp: Namespace;
let url: string;
let transport: TransportInternals;
let recipients: RoomRecipients;
const clients: ClientSocket[] = [];

beforeEach(async () => {
  http = createServer();
  io = new Server(http, { serveClient: false });
  transport = TransportInternals.probe(io.engine, silentLogger);
  recipients = new RoomRecipients(transport);
  nsp = io.of('/feed');
  nsp.on('connection', (socket) => {
    void socket.join('room');
    socket.on('roundtrip', (ack: () => void) => ack());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/feed`;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  recipients.close();
  transport.close();
  await new Promise<void>((resolve) => io.close(() => resolve()));
});

/** Encodes with the server's encoder, as the gateway does. */
function frameOf(event: string, payload: object, namespace = '/feed'): BroadcastFrame {
  const frame = encodeBroadcastFrame(io.encoder, { namespace: namespace as NamespaceName, event, payload });
  if (!frame) throw new Error('not one text packet');
  return frame;
}

const fanOut = (frame: BroadcastFrame, except?: ReadonlySet<string>, room = 'room') =>
  fanOutToRoom({ nsp, room, except }, frame, recipients);

async function connect(transports: ('websocket' | 'polling')[] = ['websocket']): Promise<ClientSocket> {
  const client = connectClient(url, { transports, forceNew: true, reconnection: false });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
  // The join runs in the server's connection handler, after the client saw `connect`: wait for it.
  for (let i = 0; i < 100 && (nsp.adapter.rooms.get('room')?.size ?? 0) < nsp.sockets.size; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return client;
}

function collect(client: ClientSocket, event: string, count: number): Promise<unknown[]> {
  const got: unknown[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${got.length} of ${count} ${event}`)), 5_000);
    client.on(event, (payload: unknown) => {
      got.push(payload);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

function serverSocketOf(client: ClientSocket): Socket {
  const socket = nsp.sockets.get(client.id ?? '');
  if (!socket) throw new Error('no server socket');
  return socket;
}

describe('encodeBroadcastFrame', () => {
  it.each([
    ['a short frame (7-bit length)', 'x'],
    ['a 16-bit length frame', 'y'.repeat(1_000)],
    ['a 64-bit length frame', 'z'.repeat(70_000)],
    ['non-ASCII text (length in bytes, not characters)', 'prix € — 価格 🚀'.repeat(20)],
  ])('%s decodes to the same payload in socket.io-client', async (_name, text) => {
    const client = await connect();
    const received = collect(client, 'price.update', 1);
    const payload = { symbol: 'BTC/USDT', text, nested: { n: 1.5, list: [1, 'two', null] } };
    const frame = frameOf('price.update', payload);
    expect(frame.bytes).toBe(Buffer.byteLength(`4${frame.packet}`));
    expect(fanOut(frame)).toEqual({ direct: 1, queued: 0, emitted: 0 });
    expect(await received).toEqual([payload]);
  });

  it('produces the packet Socket.IO itself would send', () => {
    const frame = frameOf('e', { a: 1 });
    expect(frame.packet).toBe('2/feed,["e",{"a":1}]');
    expect(frameOf('e', { a: 1 }, '/').packet).toBe('2["e",{"a":1}]');
    // header: FIN + text opcode, unmasked 7-bit length, then Engine.IO "4" + packet
    const [bytes] = frame.frames;
    expect(bytes?.subarray(0, 2)).toEqual(Buffer.from([0x81, frame.bytes]));
    expect(bytes?.subarray(2).toString()).toBe(`4${frame.packet}`);
  });
});

describe('fanOutToRoom', () => {
  it('keeps the order of interleaved direct frames and Engine.IO packets on one connection', async () => {
    const client = await connect();
    const socket = serverSocketOf(client);
    const n = 3_000;
    const received = collect(client, 'n', n);
    const totals: FanoutResult = { direct: 0, queued: 0, emitted: 0 };
    for (let i = 0; i < n; i++) {
      // Every third message through Socket.IO: its transport turns busy, later frames must queue behind it.
      if (i % 3 === 0) socket.emit('n', i);
      else {
        const r = fanOut(frameOf('n', [i]));
        totals.direct += r.direct;
        totals.queued += r.queued;
      }
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    const got = (await received).map((p) => (Array.isArray(p) ? p[0] : p));
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
    // Both paths were exercised, or the order check proves nothing.
    expect(totals.direct).toBeGreaterThan(0);
    expect(totals.queued).toBeGreaterThan(0);
  });

  it('reaches a long-polling client through Engine.IO', async () => {
    const polling = await connect(['polling']);
    const ws = await connect(['websocket']);
    const a = collect(polling, 'e', 3);
    const b = collect(ws, 'e', 3);
    const results = [1, 2, 3].map((i) => fanOut(frameOf('e', { i })));
    expect(results.reduce((sum, r) => sum + r.queued, 0)).toBeGreaterThanOrEqual(3);
    expect(await a).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
    expect(await b).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
  });

  it('skips `except`, non-members and unknown rooms', async () => {
    const a = await connect();
    const b = await connect();
    const outsider = await connect();
    await serverSocketOf(outsider).leave('room');
    const seenByA: unknown[] = [];
    const seenByOutsider: unknown[] = [];
    a.on('e', (p: unknown) => seenByA.push(p));
    outsider.on('e', (p: unknown) => seenByOutsider.push(p));
    const gotB = collect(b, 'e', 1);
    const frame = frameOf('e', { only: 'b' });
    expect(fanOut(frame, new Set([a.id ?? '']))).toEqual({ direct: 1, queued: 0, emitted: 0 });
    expect(fanOut(frame, undefined, 'nobody-here')).toEqual({ direct: 0, queued: 0, emitted: 0 });
    expect(await gotB).toEqual([{ only: 'b' }]);
    // A round trip on each connection: anything sent to them before it has arrived.
    await Promise.all([a.emitWithAck('roundtrip'), outsider.emitWithAck('roundtrip')]);
    expect(seenByA).toEqual([]);
    expect(seenByOutsider).toEqual([]);
  });

  it('follows joins and leaves between fan-outs (the members array is rebuilt, not reused)', async () => {
    const a = await connect();
    const b = await connect();
    await serverSocketOf(b).leave('room');
    const seenByB: unknown[] = [];
    b.on('e', (p: unknown) => seenByB.push(p));
    expect(fanOut(frameOf('e', { n: 1 }))).toEqual({ direct: 1, queued: 0, emitted: 0 });
    const cached = recipients.members(nsp, 'room');
    expect(recipients.members(nsp, 'room')).toBe(cached);
    await serverSocketOf(b).join('room');
    expect(recipients.members(nsp, 'room')).not.toBe(cached);
    const gotB = collect(b, 'e', 1);
    expect(fanOut(frameOf('e', { n: 2 }))).toEqual({ direct: 2, queued: 0, emitted: 0 });
    expect(await gotB).toEqual([{ n: 2 }]);
    await serverSocketOf(a).leave('room');
    expect(fanOut(frameOf('e', { n: 3 }))).toEqual({ direct: 1, queued: 0, emitted: 0 });
    a.close();
    await expect.poll(() => nsp.sockets.size).toBe(1);
    expect(recipients.members(nsp, 'room')?.map((r) => r.socket.id)).toEqual([b.id]);
  });

  it('a member that upgrades from long-polling gets frames written straight to its WebSocket after the upgrade', async () => {
    const client = await connect(['polling', 'websocket']);
    const socket = serverSocketOf(client);
    const received = collect(client, 'e', 2);
    // Still on polling (the upgrade waits for the first poll to end): the members array holds no WebSocket.
    expect(socket.conn.transport.name).toBe('polling');
    expect(fanOut(frameOf('e', { n: 1 }))).toEqual({ direct: 0, queued: 1, emitted: 0 });
    await expect.poll(() => socket.conn.transport.name).toBe('websocket');
    // Engine.IO may still hold packets right after the switch; once idle, the frame goes straight out.
    await client.emitWithAck('roundtrip');
    expect(fanOut(frameOf('e', { n: 2 }))).toEqual({ direct: 1, queued: 0, emitted: 0 });
    expect(await received).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('skips a member that an outgoing listener earlier in the same fan-out removed from the room', async () => {
    const first = await connect();
    const left = await connect();
    const disconnected = await connect();
    const kept = await connect();
    const leaving = serverSocketOf(left);
    const closing = serverSocketOf(disconnected);
    // The listener runs inside the fan-out, before the other members' turn (members go in join order).
    serverSocketOf(first).onAnyOutgoing(() => {
      void leaving.leave('room');
      closing.disconnect(); // the namespace only: the Engine.IO connection stays open
    });
    const seen: unknown[] = [];
    left.on('e', (p: unknown) => seen.push(p));
    disconnected.on('e', (p: unknown) => seen.push(p));
    const gotKept = collect(kept, 'e', 1);
    expect(fanOut(frameOf('e', { n: 1 }))).toEqual({ direct: 1, queued: 0, emitted: 1 });
    expect(await gotKept).toEqual([{ n: 1 }]);
    await left.emitWithAck('roundtrip');
    expect(seen).toEqual([]);
  });

  it('skips a connection that is closing', async () => {
    const client = await connect();
    const socket = serverSocketOf(client);
    socket.conn.close();
    expect(fanOut(frameOf('e', {}))).toEqual({ direct: 0, queued: 0, emitted: 0 });
  });
});
