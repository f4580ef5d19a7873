import type { MarketDepth, PriceUpdate } from '@ws/protocol';
import {
  collect,
  connected,
  expectConsistentDepth,
  ManualClock,
  type RedisServer,
  request,
  startRedis,
} from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

const LINGER_MS = 1_000;
const PRICE_ROOM = 'bus:{prices:BTC/USDT}:bus';
const DEPTH_ROOM = 'bus:{market:depth:ETH/USDT}:bus';

let redis: RedisServer | undefined;
const nodes: TestServer[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close();
  await redis?.stop();
  redis = undefined;
});

/** Node `a` times its bus linger on a ManualClock; node `b` publishes. Both on one private redis-server. */
async function setup() {
  redis = await startRedis();
  const r = redis;
  const clock = new ManualClock();
  const a = await startServer({
    nodeId: 'a',
    clock,
    clusterBusLingerMs: LINGER_MS,
    redis: { pub: r.client(), sub: r.client(), prefix: 'bus' },
  });
  const b = await startServer({ nodeId: 'b', redis: { pub: r.client(), sub: r.client(), prefix: 'bus' } });
  nodes.push(a, b);
  const admin = r.client();
  /** Nodes subscribed to a bus channel, as Redis counts them. */
  const subscribers = async (channel: string) =>
    Number(((await admin.pubsub('SHARDNUMSUB', channel)) as [string, number])[1]);
  /** SUNSUBSCRIBE commands Redis has run: a dropped channel is a dropped snapshot and lost messages. */
  const unsubscribes = async () => {
    const line = (await admin.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_sunsubscribe:'));
    return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
  };
  return { a, b, clock, subscribers, unsubscribes };
}

/**
 * Sends a request while moving the clock past the linger on every turn until it is answered: wherever the
 * linger lands between the request's read of Redis and its join, the answer must not depend on it.
 */
async function whileLingering<T>(clock: ManualClock, pending: Promise<T>): Promise<T> {
  let done = false;
  const answer = pending.finally(() => {
    done = true;
  });
  while (!done) {
    clock.advance(LINGER_MS + 1);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return answer;
}

describe('a subscribe after the bus linger ran out', () => {
  it('/prices: the snapshot is the latest one, then every later update once (no gap, no duplicate)', async () => {
    const { a, b, clock, subscribers, unsubscribes } = await setup();
    const price = (n: number) => ({ price: n, bid: n, ask: n, volume: 1 });
    // A first subscriber on node a, which then leaves: a's channel lingers, then goes (its snapshot is dropped).
    const first = a.connect('/prices');
    await connected(first);
    await request(first, 'subscribe', { symbols: ['BTC/USDT'] });
    for (let n = 1; n <= 3; n++) await b.server.broadcastPriceUpdate('BTC/USDT', price(n));
    await request(first, 'unsubscribe', { symbols: ['BTC/USDT'] });
    clock.advance(LINGER_MS);
    await expect.poll(() => subscribers(PRICE_ROOM)).toBe(0);
    // Published while node a hears nothing of the room.
    for (let n = 4; n <= 6; n++) await b.server.broadcastPriceUpdate('BTC/USDT', price(n));

    const late = a.connect('/prices');
    const got = collect<PriceUpdate>(late, 'price.update');
    await connected(late);
    const dropped = await unsubscribes();
    const ack = await whileLingering(clock, request(late, 'subscribe', { symbols: ['BTC/USDT'] }));
    expect(ack.ok).toBe(true);
    // Held from the read to the join: the linger never dropped the channel under the request.
    expect(await unsubscribes()).toBe(dropped);
    await expect.poll(() => got.map((u) => u.seq)).toEqual([6]);
    expect(await subscribers(PRICE_ROOM)).toBe(1);
    for (let n = 7; n <= 8; n++) await b.server.broadcastPriceUpdate('BTC/USDT', price(n));
    await expect.poll(() => got.map((u) => u.seq)).toEqual([6, 7, 8]);
    expect(got.map((u) => u.price)).toEqual(['6', '7', '8']);
  });

  it('/market depth: after a market.snapshot whose channel lingered out, a subscriber gets the current book and every delta', async () => {
    const { a, b, clock, subscribers, unsubscribes } = await setup();
    const delta = (i: number) =>
      b.server.broadcast.broadcastDepth({
        symbol: 'ETH/USDT',
        type: 'delta',
        bids: [[String(100 - i), String(i)]],
        asks: [[String(101 + i), String(i)]],
      });
    await b.server.broadcast.broadcastDepth({
      symbol: 'ETH/USDT',
      type: 'snapshot',
      bids: [['99', '1']],
      asks: [['101', '1']],
    });
    for (let i = 1; i <= 3; i++) await delta(i);
    // A pre-join read on node a: it subscribes the room, loads the book, and nobody joins.
    const reader = a.connect('/market');
    await connected(reader);
    const snap = await request<{ ok: true; depth: MarketDepth }>(reader, 'market.snapshot', { symbol: 'ETH/USDT' });
    expect(snap.depth.seq).toBe(4);
    clock.advance(LINGER_MS);
    await expect.poll(() => subscribers(DEPTH_ROOM)).toBe(1); // only b, which published
    for (let i = 4; i <= 6; i++) await delta(i);

    const late = a.connect('/market');
    const got = collect<MarketDepth>(late, 'market.depth');
    await connected(late);
    const dropped = await unsubscribes();
    await whileLingering(clock, request(late, 'subscribe', { channels: ['depth'], symbols: ['ETH/USDT'] }));
    expect(await unsubscribes()).toBe(dropped);
    await expect.poll(() => got.length).toBe(1);
    expect(got[0]).toMatchObject({ type: 'snapshot', seq: 7 });
    for (let i = 7; i <= 9; i++) await delta(i);
    await expect.poll(() => got.map((d) => d.seq)).toEqual([7, 8, 9, 10]);
    const replay = expectConsistentDepth(got);
    expect(replay.lastSeq).toBe(10);
    expect(await subscribers(DEPTH_ROOM)).toBe(2);
  });
});
