import type { ConnectionAuthenticated, OrderEvent, PriceUpdate } from '@ws/protocol';
import { connected, newOrder, nextEvent, type RedisCluster, request, startRedisCluster } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it, vi } from 'vitest';

let cluster: RedisCluster | undefined;
let nodes: TestServer[] = [];
afterEach(async () => {
  for (const n of nodes) await n.close();
  nodes = [];
  await cluster?.stop();
  cluster = undefined;
});

describe('on a 3-master Redis Cluster (sharded adapter)', () => {
  it('cross-node fan-out, global seq, late-node snapshots, /user recovery and cluster-wide disconnect', async () => {
    cluster = await startRedisCluster();
    const c = cluster;
    const node = async (nodeId: string) => {
      const n = await startServer({
        nodeId,
        redis: { pub: c.client(), sub: c.client({ shardedSubscribers: true }), prefix: 'rc' },
      });
      nodes.push(n);
      return n;
    };
    const a = await node('a');
    const b = await node('b');
    expect(a.server.io.of('/user').adapter.constructor.name).toBe('ShardedRedisAdapter');
    const onB = b.connect('/prices');
    await connected(onB);
    await request(onB, 'subscribe', { symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'] });
    const got: PriceUpdate[] = [];
    onB.on('price.update', (u) => got.push(u));
    // Symbols hash to different shards; each room's seq is global and in order.
    for (let i = 1; i <= 6; i++) {
      for (const symbol of ['BTC/USDT', 'ETH/USDT', 'SOL/USDT']) {
        await (i % 2 ? a : b).server.broadcastPriceUpdate(symbol, { price: i, bid: i, ask: i, volume: 1 });
      }
    }
    await expect.poll(() => got.length, { timeout: 15_000 }).toBe(18);
    for (const symbol of ['BTC/USDT', 'ETH/USDT', 'SOL/USDT']) {
      expect(got.filter((u) => u.symbol === symbol).map((u) => u.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    }

    const late = await node('late');
    const fresh = late.connect('/prices');
    await connected(fresh);
    const snap = nextEvent<PriceUpdate>(fresh, 'price.update');
    await request(fresh, 'subscribe', { symbols: ['ETH/USDT'] });
    expect(await snap).toMatchObject({ symbol: 'ETH/USDT', seq: 6, price: '6' });

    const token = await a.token({ userId: 'jill' });
    const first = a.connect('/user', { token });
    const seen: number[] = [];
    first.on('order.new', (o: OrderEvent) => seen.push(o.seq));
    await connected(first);
    await b.server.broadcast.broadcastOrderUpdate('jill', newOrder(1));
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual([1]);
    first.disconnect();
    await b.server.broadcast.broadcastOrderUpdate('jill', newOrder(2));
    const again = late.connect('/user', { token, auth: { token, since: { orders: 1 } } });
    const after: number[] = [];
    again.on('order.new', (o: OrderEvent) => after.push(o.seq));
    const auth = nextEvent<ConnectionAuthenticated>(again, 'connection.authenticated');
    await connected(again);
    expect((await auth).recovered).toBe(true);
    await expect.poll(() => after, { timeout: 10_000 }).toEqual([2]);

    // The sharded adapter carries cluster-wide requests too.
    const gone = new Promise((r) => again.once('disconnect', r));
    await vi.waitFor(async () => expect(await a.server.disconnect({ userId: 'jill' })).toBeGreaterThan(0), {
      timeout: 10_000,
      interval: 200,
    });
    await gone;
  }, 90_000);
});
