import type { ConnectionAuthenticated, OrderEvent, PriceUpdate, SystemMessage } from '@ws/protocol';
import {
  connected,
  freePort,
  newOrder,
  nextEvent,
  type RedisServer,
  request,
  signToken,
  spawnRedisServer,
  startRedis,
  stopProcess,
  TEST_SECRET,
} from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { Redis } from 'ioredis';
import { io as connectClient, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type NodeProcess, startNodeProcess } from './cluster-process.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function userSocket(url: string, auth: object): Socket {
  const s = connectClient(`${url}/user`, { transports: ['websocket'], forceNew: true, reconnection: false, auth });
  cleanup.push(() => {
    s.disconnect();
  });
  return s;
}

/** Two gateway node processes on a private Redis; the nodes are killed, then Redis stopped, after the test. */
async function twoNodeProcesses(names: [string, string]): Promise<[NodeProcess, NodeProcess]> {
  const redis = await startRedis();
  cleanup.push(() => redis.stop());
  const nodes: NodeProcess[] = [];
  cleanup.push(async () => {
    for (const n of nodes) await n.kill();
  });
  for (const name of names) nodes.push(await startNodeProcess(redis.port, name, TEST_SECRET));
  return nodes as [NodeProcess, NodeProcess];
}

describe('a node is killed with SIGKILL', () => {
  it('its /user client reconnects to another node and gets every event published while away, once, in order', async () => {
    const [a, b] = await twoNodeProcesses(['proc-a', 'proc-b']);
    const token = signToken({ userId: 'erin' });

    const first = userSocket(a.url, { token });
    const seen: number[] = [];
    first.on('order.new', (o: OrderEvent) => seen.push(o.seq));
    await connected(first);
    // Published through both processes: one global seq.
    const wires = [];
    for (let i = 1; i <= 4; i++) wires.push(await (i % 2 ? b : a).publish('order.new', newOrder(i), 'erin'));
    expect(wires.map((w) => w.seq)).toEqual([1, 2, 3, 4]);
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual([1, 2, 3, 4]);

    const dropped = new Promise((r) => first.once('disconnect', r));
    await a.kill();
    await dropped;
    for (let i = 5; i <= 8; i++) await b.publish('order.new', newOrder(i), 'erin');

    const again = userSocket(b.url, { token, since: { orders: seen.at(-1) } });
    const after: number[] = [];
    again.on('order.new', (o: OrderEvent) => after.push(o.seq));
    const auth = nextEvent<ConnectionAuthenticated>(again, 'connection.authenticated');
    await connected(again);
    expect((await auth).recovered).toBe(true);
    await b.publish('order.new', newOrder(9), 'erin');
    await expect.poll(() => after, { timeout: 10_000 }).toEqual([5, 6, 7, 8, 9]);
  }, 60_000);
});

describe('rolling restart', () => {
  it('SIGTERM drains a node with a jittered reconnect hint; its /user client moves to another node and loses nothing', async () => {
    const [a, b] = await twoNodeProcesses(['roll-a', 'roll-b']);
    const token = signToken({ userId: 'hank' });
    const first = userSocket(a.url, { token });
    const seen: number[] = [];
    first.on('order.new', (o: OrderEvent) => seen.push(o.seq));
    await connected(first);
    await b.publish('order.new', newOrder(1), 'hank');
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual([1]);

    const told = nextEvent<SystemMessage>(first, 'system.message');
    const dropped = new Promise((r) => first.once('disconnect', r));
    a.child.kill('SIGTERM');
    const hint = await told;
    expect(hint.type).toBe('reconnect');
    expect(hint.reconnectAfterMs).toBeGreaterThanOrEqual(0);
    expect(hint.reconnectAfterMs).toBeLessThanOrEqual(100);
    await dropped;
    // Events keep coming while the client waits out its jitter.
    for (let i = 2; i <= 4; i++) await b.publish('order.new', newOrder(i), 'hank');
    await a.stop();

    const again = userSocket(b.url, { token, since: { orders: seen.at(-1) } });
    const after: number[] = [];
    again.on('order.new', (o: OrderEvent) => after.push(o.seq));
    const auth = nextEvent<ConnectionAuthenticated>(again, 'connection.authenticated');
    await connected(again);
    expect((await auth).recovered).toBe(true);
    await b.publish('order.new', newOrder(5), 'hank');
    await expect.poll(() => after, { timeout: 10_000 }).toEqual([2, 3, 4, 5]);
  }, 60_000);
});

describe('Redis goes away and comes back', () => {
  it('local fan-out continues, nothing crashes, private publishes fail loudly, and cross-node delivery resumes by itself', async () => {
    const port = await freePort();
    let redis = await spawnRedisServer(port);
    cleanup.push(() => stopProcess(redis, 'SIGKILL'));
    const clients: Redis[] = [];
    cleanup.push(() => {
      for (const c of clients) c.disconnect();
    });
    const client = () => {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    };
    const servers: TestServer[] = [];
    cleanup.push(async () => {
      for (const s of servers) await s.close();
    });
    for (const nodeId of ['a', 'b']) {
      servers.push(await startServer({ nodeId, redis: { pub: client(), sub: client(), prefix: 'fail' } }));
    }
    const [a, b] = servers as [TestServer, TestServer];
    await expect.poll(() => b.server.io.of('/prices').adapter.serverCount(), { timeout: 10_000 }).toBe(2);
    const onA = a.connect('/prices');
    const onB = b.connect('/prices');
    await Promise.all([connected(onA), connected(onB)]);
    await request(onA, 'subscribe', { symbols: ['BTC/USDT'] });
    await request(onB, 'subscribe', { symbols: ['BTC/USDT'] });
    const gotA: PriceUpdate[] = [];
    const gotB: PriceUpdate[] = [];
    onA.on('price.update', (u) => gotA.push(u));
    onB.on('price.update', (u) => gotB.push(u));
    const price = (p: number) => ({ price: p, bid: p, ask: p, volume: 1 });
    await a.server.broadcastPriceUpdate('BTC/USDT', price(1));
    await expect.poll(() => gotB.length, { timeout: 10_000 }).toBe(1);

    await stopProcess(redis, 'SIGKILL');
    await expect.poll(() => a.server.options.redis?.pub.status, { timeout: 10_000 }).not.toBe('ready');
    const local = await a.server.broadcastPriceUpdate('BTC/USDT', price(2));
    await expect.poll(() => gotA.at(-1)?.seq, { timeout: 10_000 }).toBe(local.seq);
    // An outage, not a bug: refused at once with UNAVAILABLE and a retry hint, nothing sent.
    await expect(a.server.broadcast.broadcastOrderUpdate('frank', newOrder(1) as never)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryAfterMs: expect.any(Number),
    });

    redis = await spawnRedisServer(port);
    // Resubscription is asynchronous: publish until node B's client hears node A again.
    let last = 0;
    const before = gotB.length;
    await vi.waitFor(
      async () => {
        if (gotB.length === before) last = (await a.server.broadcastPriceUpdate('BTC/USDT', price(3))).seq;
        expect(gotB.length).toBeGreaterThan(before);
      },
      { timeout: 20_000, interval: 200 },
    );
    await expect.poll(() => gotB.at(-1)?.seq, { timeout: 10_000 }).toBe(last);
    // Redis lost its counters; seq still only rises for every client.
    expect(last).toBeGreaterThan(local.seq);
    for (const got of [gotA, gotB])
      for (let k = 1; k < got.length; k++) expect(got[k]!.seq).toBeGreaterThan(got[k - 1]!.seq);
    // The Socket.IO adapter itself is back too (system messages and cluster-wide requests ride on it).
    const told = nextEvent<SystemMessage>(onA, 'system.message');
    await vi.waitFor(() => b.server.broadcastSystemMessage({ type: 'info', message: 'back' }), { timeout: 10_000 });
    expect(await told).toMatchObject({ message: 'back' });
    await expect.poll(() => b.server.io.of('/prices').adapter.serverCount(), { timeout: 10_000 }).toBe(2);
  });
});

describe('the bus subscription drops while publishing goes on', () => {
  it('/user events published while this node was deaf reach its clients from history when the bus is back, in order, once', async () => {
    const redis: RedisServer = await startRedis();
    cleanup.push(() => redis.stop());
    const sub = new Redis({ port: redis.port, host: '127.0.0.1', retryStrategy: () => 300 });
    sub.on('error', () => undefined);
    cleanup.push(() => {
      sub.disconnect();
    });
    const s = await startServer({ redis: { pub: redis.client(), sub, prefix: 'deaf' } });
    cleanup.push(() => s.close());
    const client = s.connect('/user', { token: await s.token({ userId: 'ivy' }) });
    const seen: number[] = [];
    client.on('order.new', (o: OrderEvent) => seen.push(o.seq));
    await connected(client);
    await s.server.broadcast.broadcastOrderUpdate('ivy', newOrder(1) as never);
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual([1]);

    sub.disconnect(true);
    await expect.poll(() => sub.status).not.toBe('ready');
    for (let i = 2; i <= 4; i++) await s.server.broadcast.broadcastOrderUpdate('ivy', newOrder(i) as never);
    await expect.poll(() => sub.status, { timeout: 10_000 }).toBe('ready');
    await s.server.broadcast.broadcastOrderUpdate('ivy', newOrder(5) as never);
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual([1, 2, 3, 4, 5]);
  });
});
