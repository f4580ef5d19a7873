import type { ConnectionAuthenticated, OrderEvent } from '@ws/protocol';
import { connected, ManualClock, nextEvent } from '@ws/test-support';
import { redisNodes, type TestClient, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocketServerInit } from '../../src/websocket-server-options.js';

const servers = redisNodes();
afterEach(() => servers.close());

/** A node on the shared Redis (Streams history). */
function node(options: WebSocketServerInit = {}): Promise<TestServer> {
  return servers.start(options);
}

const order = (n: number) => ({
  orderId: `o-${n}`,
  symbol: 'BTC/USDT',
  side: 'buy' as const,
  type: 'limit' as const,
  price: 50_000,
  quantity: 1,
  filledQuantity: 0,
  status: 'new' as const,
});

/** Connects to /user and records authenticated + every order.new and wallet.update in arrival order. */
async function userClient(server: TestServer, userId: string, since?: Record<string, number>) {
  const token = await server.token({ userId });
  const client = server.connect('/user', { auth: since ? { token, since } : { token } });
  const auth = nextEvent<ConnectionAuthenticated>(client, 'connection.authenticated');
  const seen: [string, { seq: number; orderId?: string }][] = [];
  client.on('order.new', (o: OrderEvent) => seen.push(['order.new', o]));
  client.on('wallet.update', (w) => seen.push(['wallet.update', w]));
  await connected(client);
  return { client: client as TestClient<'/user'>, auth: await auth, seen };
}

async function disconnect(client: TestClient): Promise<void> {
  const gone = new Promise((r) => client.once('disconnect', r));
  client.disconnect();
  await gone;
}

const orderSeqs = (seen: [string, { seq: number }][]) => seen.filter(([e]) => e === 'order.new').map(([, p]) => p.seq);

describe('/user recovery after a reconnect', () => {
  it('single node (memory history): replays exactly what was missed, in order, then live events', async () => {
    const s = await servers.startInMemory();
    const first = await userClient(s, 'alice');
    expect(first.auth.recovered).toBeUndefined();
    for (let i = 1; i <= 3; i++) await s.server.broadcast.broadcastOrderUpdate('alice', order(i));
    await expect.poll(() => orderSeqs(first.seen)).toEqual([1, 2, 3]);
    await disconnect(first.client);

    for (let i = 4; i <= 6; i++) await s.server.broadcast.broadcastOrderUpdate('alice', order(i));
    await s.server.broadcast.broadcastWalletUpdate('alice', { asset: 'USDT', available: 1, locked: 0, total: 1 });
    const again = await userClient(s, 'alice', { orders: 3, wallet: 0, positions: 0, user: 0 });
    expect(again.auth.recovered).toBe(true);
    await s.server.broadcast.broadcastOrderUpdate('alice', order(7));
    await expect.poll(() => again.seen.length).toBe(5);
    expect(again.seen.map(([e, p]) => `${e}:${p.seq}`)).toEqual([
      'order.new:4',
      'order.new:5',
      'order.new:6',
      'wallet.update:1',
      'order.new:7',
    ]);
  });

  it('across nodes (Redis Streams): reconnecting to another node while events keep coming loses and repeats nothing', async () => {
    const a = await node({ nodeId: 'a' });
    const b = await node({ nodeId: 'b' });
    const first = await userClient(a, 'bob');
    let published = 0;
    const publish = async (via: TestServer) => {
      published++;
      await via.server.broadcast.broadcastOrderUpdate('bob', order(published));
    };
    for (let i = 0; i < 5; i++) await publish(i % 2 ? a : b);
    await expect.poll(() => orderSeqs(first.seen).length, { timeout: 10_000 }).toBe(5);
    await disconnect(first.client);
    for (let i = 0; i < 5; i++) await publish(i % 2 ? a : b);

    // Keep publishing from both nodes while the client reconnects, so live events race the replay.
    let running = true;
    const background = (async () => {
      let i = 0;
      while (running) await publish(i++ % 2 ? a : b);
    })();
    const last = orderSeqs(first.seen).at(-1) ?? 0;
    const again = await userClient(b, 'bob', { orders: last });
    expect(again.auth.recovered).toBe(true);
    await expect.poll(() => orderSeqs(again.seen).length, { timeout: 10_000 }).toBeGreaterThan(20);
    running = false;
    await background;
    await expect.poll(() => orderSeqs(again.seen).at(-1), { timeout: 10_000 }).toBe(published);
    const all = [...orderSeqs(first.seen), ...orderSeqs(again.seen)];
    expect(all).toEqual(Array.from({ length: published }, (_, i) => i + 1));
  });

  it('beyond the window: recovered is false and nothing stale is replayed', async () => {
    const clock = new ManualClock();
    const a = await node({ recovery: { windowMs: 200 }, clock });
    const first = await userClient(a, 'carol');
    await a.server.broadcast.broadcastOrderUpdate('carol', order(1));
    await expect.poll(() => orderSeqs(first.seen)).toEqual([1]);
    await disconnect(first.client);
    await a.server.broadcast.broadcastOrderUpdate('carol', order(2));
    clock.advance(201);
    const again = await userClient(a, 'carol', { orders: 1 });
    expect(again.auth.recovered).toBe(false);
    await a.server.broadcast.broadcastOrderUpdate('carol', order(3));
    await expect.poll(() => orderSeqs(again.seen)).toEqual([3]);
  });

  it('an invalid since is answered recovered: false, never trusted', async () => {
    const a = await servers.startInMemory();
    const bad = await userClient(a, 'dave', { orders: -1 });
    expect(bad.auth.recovered).toBe(false);
    const other = await userClient(a, 'dave', { 'orders:eve': 0 } as Record<string, number>);
    expect(other.auth.recovered).toBe(false);
  });
});

describe('connection.authenticated.streams', () => {
  for (const withRedis of [true, false]) {
    it(`tells where each stream starts, so a client that saw nothing yet still recovers (${withRedis ? 'Redis' : 'memory'})`, async () => {
      const s = withRedis ? await node() : await servers.startInMemory();
      for (let i = 1; i <= 3; i++) await s.server.broadcast.broadcastOrderUpdate('lena', order(i));
      const first = await userClient(s, 'lena');
      expect(first.auth.recovered).toBeUndefined();
      expect(first.auth.streams).toEqual({ user: 0, orders: 3, positions: 0, wallet: 0 });
      await disconnect(first.client);
      for (let i = 4; i <= 5; i++) await s.server.broadcast.broadcastOrderUpdate('lena', order(i));
      const again = await userClient(s, 'lena', first.auth.streams as Record<string, number>);
      expect(again.auth.recovered).toBe(true);
      expect(again.auth.streams).toEqual({ user: 0, orders: 3, positions: 0, wallet: 0 });
      await expect.poll(() => orderSeqs(again.seen), { timeout: 10_000 }).toEqual([4, 5]);
    });
  }
});
