import type { OrderEvent, PriceUpdate } from '@ws/protocol';
import {
  connected,
  newOrder,
  type RedisCluster,
  type RedisServer,
  request,
  startRedis,
  startRedisCluster,
} from '@ws/test-support';
import { startServer, type TestClient, type TestServer } from '@ws/test-support/server';
import type { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';

const SYMBOLS = ['BTC', 'ETH', 'SOL', 'XRP', 'ADA', 'DOT', 'LTC', 'AVAX', 'LINK', 'ATOM'].map((b) => `${b}/USDT`);
// The shape (8 nodes, 10 public symbols, 2 per node) at a size 2 shared cores run in well under a
// minute; the 10 000-user run is `pnpm bench:cluster-bus`.
const NODES = 8;
const USERS_PER_NODE = 40;
const PRICE_CLIENTS_PER_NODE = 5;
const UPDATES_PER_SYMBOL = 20;
/** Node i's clients use these 2 of the 10 symbols (nodes 5-7 share theirs with nodes 0-2). */
const symbolsOf = (i: number) => [SYMBOLS[(2 * i) % SYMBOLS.length]!, SYMBOLS[(2 * i + 1) % SYMBOLS.length]!];

let redis: RedisServer | undefined;
let cluster: RedisCluster | undefined;
const nodes: TestServer[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close();
  await redis?.stop();
  await cluster?.stop();
  redis = undefined;
  cluster = undefined;
});

/** `ws_bus_messages_received_total` of one node, per namespace, from its Prometheus exposition. */
async function busReceived(node: TestServer): Promise<Record<string, number>> {
  const text = await node.server.exportPrometheusMetrics();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^ws_bus_messages_received_total\{namespace="([^"]+)"\} (\d+)$/gm)) {
    out[m[1] as string] = Number(m[2]);
  }
  return out;
}

type Clients = () => { pub: Redis | Cluster; sub: Redis | Cluster };

/**
 * NODES gateways, 10 public symbols of which node i's clients use symbols 2i and 2i+1 (mod 10), USERS_PER_NODE
 * private users on each. Every symbol gets UPDATES_PER_SYMBOL updates and every user one order event, each
 * published on a node none of whose clients needs it. Per node, bus messages received ÷ messages its clients
 * need must be ≤ 1.2 (it is 1 when the node follows exactly its clients' rooms).
 */
async function run(clients: Clients) {
  for (let i = 0; i < NODES; i++)
    nodes.push(
      await startServer({
        nodeId: `n${i}`,
        symbols: SYMBOLS,
        // Every client of this test connects from 127.0.0.1.
        rateLimit: { handshake: { points: 10_000, durationSec: 60 } },
        redis: { ...clients(), prefix: 'bus' },
      }),
    );
  const sockets: TestClient[] = [];
  const prices = nodes.map(() => 0);
  const orders = nodes.map(() => 0);
  for (const [i, node] of nodes.entries()) {
    for (let c = 0; c < PRICE_CLIENTS_PER_NODE; c++) {
      const s = node.connect('/prices');
      s.on('price.update', (_u: PriceUpdate) => prices[i]!++);
      await connected(s);
      await request(s, 'subscribe', { symbols: symbolsOf(i) });
      sockets.push(s);
    }
    for (let u = 0; u < USERS_PER_NODE; u++) {
      const s = node.connect('/user', { token: await node.token({ userId: `u${i}-${u}` }) });
      s.on('order.new', (_o: OrderEvent) => orders[i]!++);
      await connected(s);
      sockets.push(s);
    }
  }
  const before = await Promise.all(nodes.map(busReceived));
  for (const symbol of SYMBOLS) {
    for (let n = 1; n <= UPDATES_PER_SYMBOL; n++) {
      // From a node whose clients do not use the symbol.
      const from = nodes[nodes.findIndex((_, j) => !symbolsOf(j).includes(symbol))]!;
      await from.server.broadcastPriceUpdate(symbol, { price: n, bid: n, ask: n, volume: 1 });
    }
  }
  for (const [i] of nodes.entries()) {
    for (let u = 0; u < USERS_PER_NODE; u++) {
      await nodes[(i + 1) % NODES]!.server.broadcast.broadcastOrderUpdate(`u${i}-${u}`, newOrder(u));
    }
  }
  const neededPrices = 2 * UPDATES_PER_SYMBOL;
  await expect
    .poll(() => ({ prices, orders }), { timeout: 20_000 })
    .toEqual({
      prices: nodes.map(() => PRICE_CLIENTS_PER_NODE * neededPrices),
      orders: nodes.map(() => USERS_PER_NODE),
    });
  const after = await Promise.all(nodes.map(busReceived));
  const perNode = nodes.map((_, i) => {
    const got = (ns: string) => (after[i]?.[ns] ?? 0) - (before[i]?.[ns] ?? 0);
    return {
      prices: got('/prices') / neededPrices,
      user: got('/user') / USERS_PER_NODE,
      all: (got('/prices') + got('/user')) / (neededPrices + USERS_PER_NODE),
    };
  });
  for (const ratio of perNode) {
    expect(ratio.all).toBeLessThanOrEqual(1.2);
    expect(ratio.prices).toBeLessThanOrEqual(1.2);
    expect(ratio.user).toBeLessThanOrEqual(1.2);
  }

  // A room nobody on node 0 is in (nodes 1 and 6 have members): node 0 publishes 30 updates to it and receives
  // none of them; node 1 gets all.
  const [n0, n1] = [nodes[0]!, nodes[1]!];
  const foreign = SYMBOLS[2]!;
  const [n0Before, n1Before] = [(await busReceived(n0))['/prices'] ?? 0, (await busReceived(n1))['/prices'] ?? 0];
  const n1Expected = prices[1]! + PRICE_CLIENTS_PER_NODE * 30;
  for (let n = 1; n <= 30; n++) await n0.server.broadcastPriceUpdate(foreign, { price: n, bid: n, ask: n, volume: 1 });
  await expect.poll(() => prices[1], { timeout: 10_000 }).toBe(n1Expected);
  expect(((await busReceived(n1))['/prices'] ?? 0) - n1Before).toBe(30);
  expect(((await busReceived(n0))['/prices'] ?? 0) - n0Before).toBe(0);
  for (const s of sockets) s.disconnect();
}

describe('the cluster bus follows each node’s clients', () => {
  it('one Redis: per node, bus messages received ÷ messages its clients need ≤ 1.2; a node without a member hears nothing of the room', async () => {
    redis = await startRedis();
    const r = redis;
    await run(() => ({ pub: r.client(), sub: r.client() }));
  }, 60_000);

  it('a /prices socket of a user does not subscribe that user’s private channels; its /user socket does', async () => {
    redis = await startRedis();
    const r = redis;
    const node = await startServer({ nodeId: 'p', redis: { pub: r.client(), sub: r.client(), prefix: 'bus' } });
    nodes.push(node);
    const admin = r.client();
    const subscribers = async (room: string) =>
      Number(((await admin.pubsub('SHARDNUMSUB', `bus:{${room}}:bus`)) as [string, number])[1]);
    const token = node.token({ userId: 'ann' });
    // Joins `user:ann` for disconnect-by-user: not a reason to hear ann's margin calls on the bus.
    const prices = node.connect('/prices', { token });
    await connected(prices);
    await request(prices, 'subscribe', { symbols: ['BTC/USDT'] });
    expect(await subscribers('prices:BTC/USDT')).toBe(1);
    expect(await subscribers('user:ann')).toBe(0);
    const user = node.connect('/user', { token });
    await connected(user);
    expect(await Promise.all(['user:ann', 'orders:ann', 'positions:ann', 'wallet:ann'].map(subscribers))).toEqual([
      1, 1, 1, 1,
    ]);
    prices.disconnect();
    user.disconnect();
  });

  it('a 3-master Redis Cluster (SPUBLISH/SSUBSCRIBE): the same', async () => {
    cluster = await startRedisCluster();
    const c = cluster;
    await run(() => ({ pub: c.client(), sub: c.client({ shardedSubscribers: true }) }));
  }, 90_000);
});
