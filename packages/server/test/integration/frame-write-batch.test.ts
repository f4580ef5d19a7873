import type { PublishItem } from '@ws/protocol';
import { connected, type RedisServer, request, startRedis } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';
import { recordServerWrites } from './server-writes.js';

let ts: TestServer;
let other: TestServer | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await ts?.close();
  await other?.close();
  await redis?.stop();
  other = undefined;
  redis = undefined;
});

const SYMBOL = 'BTC/USDT';
const depth = (type: 'snapshot' | 'delta', qty: number): PublishItem => ({
  event: 'market.depth',
  data: { symbol: SYMBOL, type, bids: [[50000, qty]], asks: [[50001 + qty, 1]] },
});
const trade = (id: string): PublishItem => ({
  event: 'market.trades',
  data: { symbol: SYMBOL, trades: [{ tradeId: id, price: 50000, quantity: 0.5, side: 'buy' }] },
});
const ticker = (last: number): PublishItem => ({
  event: 'market.ticker',
  data: { symbol: SYMBOL, bid: 49999, ask: 50001, last },
});
const notice: PublishItem = { event: 'system.message', data: { type: 'info', message: 'maintenance at noon' } };

/** A subscribed `/market` client and every Socket.IO packet it receives, raw, in arrival order. */
async function subscribedClient(
  server: TestServer,
): Promise<{ packets: string[]; client: ReturnType<TestServer['connect']> }> {
  const client = server.connect('/market');
  const packets: string[] = [];
  client.io.engine.on('packet', (packet: { type: string; data?: unknown }) => {
    if (packet.type === 'message' && typeof packet.data === 'string') packets.push(packet.data);
  });
  await connected(client);
  const ack = await request(client, 'subscribe', { channels: ['depth', 'trades', 'ticker'], symbols: [SYMBOL] });
  expect(ack.ok).toBe(true);
  return { packets, client };
}

/** Resolves once `packets` holds `count` entries that satisfy `match` (waits on arrivals, bounded). */
async function arrived(packets: string[], count: number, match: (p: string) => boolean): Promise<string[]> {
  for (let i = 0; i < 500; i++) {
    const got = packets.filter(match);
    if (got.length >= count) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`got ${packets.filter(match).length} of ${count} packets`);
}

const wireOf = (event: string, payload: unknown, nsp = '/market') => `2${nsp},${JSON.stringify([event, payload])}`;
/** Bytes of the WebSocket text frame carrying Engine.IO message `4` + this Socket.IO packet. */
const frameBytes = (packet: string) => {
  const len = Buffer.byteLength(`4${packet}`);
  return (len < 126 ? 2 : len < 65536 ? 4 : 10) + len;
};

describe('frames of one delivery batch', () => {
  it('arrive complete, in order and byte-identical, with an Engine.IO write in the middle and the ack after', async () => {
    ts = await startServer();
    const { packets, client } = await subscribedClient(ts);
    packets.length = 0;
    const items = [depth('snapshot', 1), depth('delta', 2), trade('t1'), ticker(50000), notice, depth('delta', 3)];
    items.push(trade('t2'), ticker(50001), depth('delta', 4));
    const wires = await ts.server.broadcast.publishBatch(items);
    // The system message goes to every namespace through Engine.IO (nsp.emit): it must not overtake the
    // frames of the batch written before it, nor be overtaken by the ones after.
    const expected = items.map((item, i) => wireOf(item.event, wires[i]));
    const got = await arrived(packets, items.length, (p) => p.startsWith('2/market,'));
    expect(got).toEqual(expected);
    // A request after the batch: its ack comes after every frame of it.
    const snap = await request<{ ok: boolean; depth: { seq: number } }>(client, 'market.snapshot', { symbol: SYMBOL });
    expect(snap.depth.seq).toBe((wires[8] as { seq: number }).seq);
    expect(packets.findIndex((p) => p.startsWith('3/market,'))).toBe(items.length);
  });

  it('are written with one system call per connection (one write of N frames), a single publish with one write', async () => {
    ts = await startServer();
    const writes = recordServerWrites(ts);
    const { packets } = await subscribedClient(ts);
    await ts.server.broadcast.publish('market.depth', depth('snapshot', 1).data);
    await arrived(packets, 1, (p) => p.startsWith('2/market,["market.depth"'));
    writes.length = 0;
    packets.length = 0;
    const one = await ts.server.broadcast.publish('market.ticker', ticker(50000).data);
    await arrived(packets, 1, (p) => p.startsWith('2/market,'));
    expect(packets).toEqual([wireOf('market.ticker', one)]);
    expect(writes.map((w) => w.bytes)).toEqual([frameBytes(packets[0] ?? '')]);

    writes.length = 0;
    packets.length = 0;
    const items = Array.from({ length: 10 }, (_, i) => (i % 2 ? trade(`t${i}`) : depth('delta', i + 2)));
    const wires = await ts.server.broadcast.publishBatch(items);
    const got = await arrived(packets, 10, (p) => p.startsWith('2/market,'));
    expect(got).toEqual(items.map((item, i) => wireOf(item.event, wires[i])));
    // Ten frames, one write of all their bytes (without the batch: ten writes).
    expect(writes.map((w) => w.bytes)).toEqual([got.reduce((sum, p) => sum + frameBytes(p), 0)]);
  });

  it('keep a client whose Engine.IO queue is busy on the queued path, in order, next to one on the batch path', async () => {
    ts = await startServer();
    const a = await subscribedClient(ts);
    const b = await subscribedClient(ts);
    a.packets.length = 0;
    b.packets.length = 0;
    const sb = ts.server.io.of('/market').sockets.get(b.client.id ?? '');
    if (!sb) throw new Error('no server socket for b');
    // Two emits in this turn: the first goes to b's WebSocket, the second waits in Engine.IO's write buffer
    // (the transport is not writable until the first is written), so the batch must queue behind it for b.
    sb.emit('system.message', { type: 'info', message: 'first', timestamp: 1 });
    sb.emit('system.message', { type: 'info', message: 'second', timestamp: 2 });
    expect((sb.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length).toBeGreaterThan(0);
    const items = [depth('snapshot', 1), trade('t1'), notice, ticker(50000), depth('delta', 2), trade('t2')];
    const published = ts.server.broadcast.publishBatch(items);
    const wires = await published;
    const expected = items.map((item, i) => wireOf(item.event, wires[i]));
    expect(await arrived(a.packets, items.length, (p) => p.startsWith('2/market,'))).toEqual(expected);
    const gotB = await arrived(b.packets, items.length + 2, (p) => p.startsWith('2/market,'));
    expect(gotB.slice(0, 2).map((p) => JSON.parse(p.slice('2/market,'.length))[1].message)).toEqual([
      'first',
      'second',
    ]);
    expect(gotB.slice(2)).toEqual(expected);
  });

  it('off the cluster bus: the messages of Redis reads arrive complete, byte-identical and in order per room', async () => {
    redis = await startRedis();
    const node = (nodeId: string) => {
      const r = redis as RedisServer;
      return startServer({ nodeId, redis: { pub: r.client(), sub: r.client(), prefix: 'batch' } });
    };
    ts = await node('a');
    other = await node('b');
    const writes = recordServerWrites(other);
    const { packets } = await subscribedClient(other);
    packets.length = 0;
    writes.length = 0;
    const items = [depth('snapshot', 1), trade('t1'), ticker(50000), depth('delta', 2), trade('t2'), ticker(50001)];
    items.push(depth('delta', 3), trade('t3'));
    const wires = await ts.server.broadcast.publishBatch(items);
    const got = await arrived(packets, items.length, (p) => p.startsWith('2/market,'));
    const expected = items.map((item, i) => wireOf(item.event, wires[i]));
    // The bus orders each room's messages (a channel per room), not messages of different rooms.
    for (const event of ['market.depth', 'market.trades', 'market.ticker']) {
      const ofRoom = (list: string[]) => list.filter((p) => p.startsWith(`2/market,["${event}"`));
      expect(ofRoom(got)).toEqual(ofRoom(expected));
    }
    // However Redis split them over reads, every byte went out, in at most one write per frame.
    const bytes = got.reduce((sum, p) => sum + frameBytes(p), 0);
    await expect.poll(() => writes.reduce((sum, w) => sum + w.bytes, 0)).toBe(bytes);
    expect(writes.length).toBeLessThanOrEqual(items.length);
  });
});
