import {
  bookChecksum,
  type ConnectionInfo,
  type MarketDepth,
  NAMESPACE_NAMES,
  type PriceUpdate,
  type SystemMessage,
} from '@ws/protocol';
import { connected, request } from '@ws/test-support';
import { redisNodes, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisPublisher } from '../../src/publish/redis-publisher.js';
import type { WebSocketServerInit } from '../../src/websocket-server-options.js';

const servers = redisNodes();
afterEach(() => servers.close());

function node(nodeId: string, options: WebSocketServerInit = {}): Promise<TestServer> {
  return servers.start({ nodeId, ...options });
}

async function cluster(count: number): Promise<TestServer[]> {
  const out: TestServer[] = [];
  for (let i = 0; i < count; i++) out.push(await node(`node-${i}`));
  for (const n of out) {
    for (const ns of NAMESPACE_NAMES) {
      await expect.poll(() => n.server.io.of(ns).adapter.serverCount(), { timeout: 10_000 }).toBe(count);
    }
  }
  return out;
}

const price = (p: number) => ({ price: p, bid: p / 2, ask: p + 1, volume: 1 });

describe('cluster sequencing over Redis', () => {
  it('seq is global: publishes from both nodes reach subscribers on both nodes as 1..N in order', async () => {
    const [a, b] = await cluster(2);
    const onA = a!.connect('/prices');
    const onB = b!.connect('/prices');
    await Promise.all([connected(onA), connected(onB)]);
    await request(onA, 'subscribe', { symbols: ['BTC/USDT'] });
    await request(onB, 'subscribe', { symbols: ['BTC/USDT'] });
    const gotA: PriceUpdate[] = [];
    const gotB: PriceUpdate[] = [];
    onA.on('price.update', (u) => gotA.push(u));
    onB.on('price.update', (u) => gotB.push(u));
    const published: Promise<PriceUpdate>[] = [];
    for (let i = 1; i <= 40; i++)
      published.push((i % 2 ? a! : b!).server.broadcastPriceUpdate('BTC/USDT', price(100 + i)));
    const wires = await Promise.all(published);
    expect(wires.map((w) => w.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await expect.poll(() => gotA.length, { timeout: 10_000 }).toBe(40);
    await expect.poll(() => gotB.length, { timeout: 10_000 }).toBe(40);
    expect(gotA.map((u) => u.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(gotB).toEqual(gotA);
  });

  it('a node started later serves the same snapshot, and its stream continues from it', async () => {
    const [a] = await cluster(1);
    for (let i = 1; i <= 5; i++) await a!.server.broadcastPriceUpdate('ETH/USDT', price(2000 + i));
    const late = await node('node-late');
    const client = late.connect('/prices');
    await connected(client);
    const got: PriceUpdate[] = [];
    client.on('price.update', (u) => got.push(u));
    await request(client, 'subscribe', { symbols: ['ETH/USDT'] });
    await expect.poll(() => got.length, { timeout: 10_000 }).toBe(1);
    expect(got[0]).toMatchObject({ seq: 5, price: '2005' });
    await a!.server.broadcastPriceUpdate('ETH/USDT', price(2006));
    await expect.poll(() => got.map((u) => u.seq), { timeout: 10_000 }).toEqual([5, 6]);
  });

  it('the order book is one book: deltas from both nodes chain prevSeq→seq, checksums agree, a late node serves the same snapshot', async () => {
    const [a, b] = await cluster(2);
    const onB = b!.connect('/market');
    await connected(onB);
    await request(onB, 'subscribe', { channels: ['depth'], symbols: ['SOL/USDT'] });
    const got: MarketDepth[] = [];
    onB.on('market.depth', (d) => got.push(d));
    await a!.server.broadcast.broadcastDepth({
      symbol: 'SOL/USDT',
      type: 'snapshot',
      bids: [['10', '1']],
      asks: [['11', '1']],
    });
    for (let i = 1; i <= 10; i++) {
      await (i % 2 ? b! : a!).server.broadcast.broadcastDepth({
        symbol: 'SOL/USDT',
        type: 'delta',
        bids: [[String(10 - i / 10), String(i)]],
        asks: i === 5 ? [['11', '0']] : [[String(11 + i / 10), String(i)]],
      });
    }
    await expect.poll(() => got.length, { timeout: 10_000 }).toBe(11);
    got.forEach((d, i) => {
      expect(d.seq).toBe(i + 1);
      expect(d.prevSeq).toBe(i);
    });
    const snapA = a!.server.orderBooks.snapshot('SOL/USDT');
    const snapB = b!.server.orderBooks.snapshot('SOL/USDT');
    expect(snapA?.checksum).toBe(got.at(-1)?.checksum);
    expect(snapB?.checksum).toBe(snapA?.checksum);
    expect(snapA?.checksum).toBe(bookChecksum(snapA!.bids, snapA!.asks));

    const late = await node('node-late');
    const client = late.connect('/market');
    await connected(client);
    const first = new Promise<MarketDepth>((resolve) => client.once('market.depth', resolve));
    await request(client, 'subscribe', { channels: ['depth'], symbols: ['SOL/USDT'] });
    const snapshot = await first;
    expect(snapshot).toMatchObject({ type: 'snapshot', seq: 11, prevSeq: 11, checksum: snapA?.checksum });
    expect(snapshot.bids).toEqual(snapA?.bids);
    expect(snapshot.asks).toEqual(snapA?.asks);
    const ack = await request<{ ok: boolean; depth: MarketDepth }>(client, 'market.snapshot', { symbol: 'SOL/USDT' });
    expect(ack.depth.checksum).toBe(snapA?.checksum);
  });
});

describe('createRedisPublisher', () => {
  it('a backend service without a gateway publishes typed, validated, globally sequenced events', async () => {
    const [a] = await cluster(1);
    const publisher = createRedisPublisher(servers.redis!.client(), { prefix: 'test', symbols: ['BTC/USDT'] });
    const prices = a!.connect('/prices');
    const user = a!.connect('/user', { token: await a!.token({ userId: 'gina' }) });
    await Promise.all([connected(prices), connected(user)]);
    await request(prices, 'subscribe', { symbols: ['BTC/USDT'] });
    const got: PriceUpdate[] = [];
    prices.on('price.update', (u) => got.push(u));
    const orders: number[] = [];
    user.on('order.new', (o) => orders.push(o.seq));
    const told = new Promise<SystemMessage>((resolve) => prices.once('system.message', resolve));

    expect(() => publisher.broadcastPriceUpdate('BTC/USDT', { price: -1 } as never)).toThrow(/INVALID_PAYLOAD|invalid/);
    expect(() => publisher.broadcastPriceUpdate('DOGE/USDT', price(1))).toThrow(/unknown symbol/);
    await publisher.broadcastPriceUpdate('BTC/USDT', price(1));
    await a!.server.broadcastPriceUpdate('BTC/USDT', price(2));
    const third = await publisher.broadcastPriceUpdate('BTC/USDT', price(3));
    expect(third.seq).toBe(3);
    await expect.poll(() => got.map((u) => u.seq), { timeout: 10_000 }).toEqual([1, 2, 3]);
    await publisher.broadcastOrderUpdate('gina', {
      orderId: 'o-1',
      symbol: 'BTC/USDT',
      side: 'sell',
      type: 'market',
      price: 1,
      quantity: 1,
      filledQuantity: 0,
      status: 'new',
    });
    await expect.poll(() => orders, { timeout: 10_000 }).toEqual([1]);
    await publisher.broadcastSystemMessage({ type: 'info', message: 'from a backend' });
    expect(await told).toMatchObject({ type: 'info', message: 'from a backend' });
  });
});

describe('cluster-wide admin', () => {
  it('connections.list on one node lists the connections of every node', async () => {
    const [a, b] = await cluster(2);
    const token = await a!.token({ userId: 'kim' });
    const onA = a!.connect('/prices', { token });
    const onB = b!.connect('/user', { token });
    const admin = a!.connect('/admin', { token: await a!.token({ userId: 'root', role: 'admin' }) });
    await Promise.all([connected(onA), connected(onB), connected(admin)]);
    const list = await request<{ ok: true; result: { connections: ConnectionInfo[]; total: number } }>(
      admin,
      'admin.command',
      { command: 'connections.list', args: { userId: 'kim' } },
    );
    expect(list.result.total).toBe(2);
    expect(list.result.connections.map((c) => `${c.nodeId}${c.namespace}`).sort()).toEqual([
      'node-0/prices',
      'node-1/user',
    ]);
    const limited = await request<{ result: { connections: ConnectionInfo[]; total: number } }>(
      admin,
      'admin.command',
      {
        command: 'connections.list',
        args: { limit: 1 },
      },
    );
    expect(limited.result.connections).toHaveLength(1);
    expect(limited.result.total).toBe(3);
  });

  it('nodes.list and alerts.list on one node answer for every node', async () => {
    const a = await node('node-0');
    // Only node-1 has a threshold its one connection crosses.
    const b = await node('node-1', { admin: { statsIntervalMs: 50, alerts: { connections: 0 } } });
    for (const ns of NAMESPACE_NAMES) {
      await expect.poll(() => a.server.io.of(ns).adapter.serverCount(), { timeout: 10_000 }).toBe(2);
    }
    const onB = b.connect('/prices');
    const admin = a.connect('/admin', { token: await a.token({ userId: 'root', role: 'admin' }) });
    await Promise.all([connected(onB), connected(admin)]);
    type Nodes = { result: { nodes: { nodeId: string; connections?: number }[] } };
    const nodes = await request<Nodes>(admin, 'admin.command', { command: 'nodes.list' });
    expect(nodes.result.nodes.map((n) => [n.nodeId, n.connections])).toEqual([
      ['node-0', 1],
      ['node-1', 1],
    ]);
    type Alerts = { result: { active: { nodeId?: string; metric?: string }[] } };
    await expect
      .poll(
        async () =>
          (await request<Alerts>(admin, 'admin.command', { command: 'alerts.list' })).result.active.map(
            (x) => `${x.nodeId}:${x.metric}`,
          ),
        { timeout: 10_000 },
      )
      .toEqual(['node-1:connections']);
  });
});
