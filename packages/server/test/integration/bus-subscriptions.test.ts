import { ManualClock, type RedisServer, startRedis } from '@ws/test-support';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BusSubscriptions } from '../../src/cluster/bus-subscriptions.js';
import { silentLogger } from '../../src/logger.js';
import { busChannel } from '../../src/redis-keys.js';

let redis: RedisServer | undefined;
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await redis?.stop();
  redis = undefined;
});

async function setup(lingerMs = 30_000) {
  redis = await startRedis();
  const sub = redis.client();
  const admin = redis.client();
  const clock = new ManualClock();
  const dropped: string[] = [];
  const subs = new BusSubscriptions({
    sub,
    channel: (room) => busChannel('t', room),
    lingerMs,
    clock,
    logger: silentLogger,
    onDropped: (room) => dropped.push(room),
  });
  cleanup.push(() => subs.close());
  const shardChannels = async () => ((await admin.pubsub('SHARDCHANNELS', '*')) as string[]).sort();
  /** How many SSUBSCRIBE / SUNSUBSCRIBE commands Redis itself has executed. */
  const calls = async (command: string) => {
    const line = (await admin.info('commandstats')).split('\n').find((l) => l.startsWith(`cmdstat_${command}:`));
    return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
  };
  return { sub, admin, clock, subs, dropped, shardChannels, calls };
}

/** Until every command sent so far is answered: a PING on the subscriber connection queues behind them. */
const settled = async (sub: Redis) => {
  await new Promise((r) => setImmediate(r));
  await sub.ping();
};

describe('BusSubscriptions (a real redis-server)', () => {
  it('subscribes a room while it is referenced, lingers after the last reference, then unsubscribes and reports it', async () => {
    const { sub, clock, subs, dropped, shardChannels } = await setup(30_000);
    subs.ref('prices:BTC/USDT');
    subs.ref('prices:BTC/USDT');
    await subs.ready(['prices:BTC/USDT']);
    expect(await shardChannels()).toEqual(['t:{prices:BTC/USDT}:bus']);
    expect(subs.has('prices:BTC/USDT')).toBe(true);

    subs.unref('prices:BTC/USDT');
    clock.advance(60_000);
    await settled(sub);
    expect(await shardChannels()).toEqual(['t:{prices:BTC/USDT}:bus']);

    subs.unref('prices:BTC/USDT');
    clock.advance(29_999);
    await settled(sub);
    expect(await shardChannels()).toEqual(['t:{prices:BTC/USDT}:bus']);
    clock.advance(1);
    await settled(sub);
    expect(await shardChannels()).toEqual([]);
    expect(dropped).toEqual(['prices:BTC/USDT']);
    expect(subs.has('prices:BTC/USDT')).toBe(false);
  });

  it('a rejoin within the linger costs no command; ready() on an unreferenced room subscribes it and lets it linger', async () => {
    const { sub, clock, subs, dropped, shardChannels, calls } = await setup(30_000);
    subs.ref('orders:ann');
    await subs.ready(['orders:ann']);
    const before = { s: await calls('ssubscribe'), u: await calls('sunsubscribe') };
    for (let i = 0; i < 100; i++) {
      subs.unref('orders:ann');
      clock.advance(1_000);
      subs.ref('orders:ann');
    }
    await settled(sub);
    expect({ s: await calls('ssubscribe'), u: await calls('sunsubscribe') }).toEqual(before);

    // A subscriber's prepare: subscribed before anyone joined; dropped if nobody does.
    await subs.ready(['market:depth:ETH/USDT']);
    expect(await shardChannels()).toContain('t:{market:depth:ETH/USDT}:bus');
    clock.advance(30_000);
    await settled(sub);
    expect(await shardChannels()).toEqual(['t:{orders:ann}:bus']);
    expect(dropped).toEqual(['market:depth:ETH/USDT']);
  });

  it('a held room does not linger out between the read and the join, however long that takes; released, it lingers', async () => {
    const { sub, clock, subs, dropped, shardChannels } = await setup(1_000);
    // A subscribe request: hold, wait for the ack, read state, … the join comes long after.
    const release = subs.hold(['prices:ADA/USDT']);
    await subs.ready(['prices:ADA/USDT']);
    clock.advance(60_000);
    await settled(sub);
    expect(dropped).toEqual([]);
    expect(subs.has('prices:ADA/USDT')).toBe(true);
    subs.ref('prices:ADA/USDT'); // the join (create-room)
    release();
    release(); // idempotent
    clock.advance(60_000);
    await settled(sub);
    expect(subs.has('prices:ADA/USDT')).toBe(true);
    // A request that did not join (refused after its read): the channel lingers from the release, then goes.
    const refused = subs.hold(['prices:DOT/USDT']);
    await subs.ready(['prices:DOT/USDT']);
    clock.advance(5_000);
    refused();
    clock.advance(999);
    await settled(sub);
    expect(subs.has('prices:DOT/USDT')).toBe(true);
    clock.advance(1);
    await settled(sub);
    expect(dropped).toEqual(['prices:DOT/USDT']);
    expect(await shardChannels()).toEqual(['t:{prices:ADA/USDT}:bus']);
  });

  it('a thousand joins and leaves in one turn are one SSUBSCRIBE, and their expiry one SUNSUBSCRIBE', async () => {
    const { sub, clock, subs, shardChannels, calls } = await setup(30_000);
    const rooms = Array.from({ length: 1_000 }, (_, i) => `orders:u${i}`);
    for (const room of rooms) subs.ref(room);
    // Half of them leave in the same turn, and a quarter of those come back.
    for (const room of rooms.slice(0, 500)) subs.unref(room);
    for (const room of rooms.slice(0, 125)) subs.ref(room);
    await subs.ready(rooms);
    expect(await calls('ssubscribe')).toBe(2); // 1000 channels in batches of 500
    expect((await shardChannels()).length).toBe(1_000);
    clock.advance(30_000);
    await settled(sub);
    expect(await calls('sunsubscribe')).toBe(1);
    expect((await shardChannels()).length).toBe(625);
  });

  it('a room wanted again while its SUNSUBSCRIBE is under way is subscribed afresh, and ready() waits for that', async () => {
    const { sub, clock, subs, dropped, shardChannels } = await setup(10);
    subs.ref('prices:SOL/USDT');
    await subs.ready(['prices:SOL/USDT']);
    subs.unref('prices:SOL/USDT');
    clock.advance(10);
    // The SUNSUBSCRIBE goes out on the next turn; the new member arrives right after it was sent.
    await new Promise((r) => setImmediate(r));
    subs.ref('prices:SOL/USDT');
    await subs.ready(['prices:SOL/USDT']);
    await settled(sub);
    expect(dropped).toEqual(['prices:SOL/USDT']);
    expect(await shardChannels()).toEqual(['t:{prices:SOL/USDT}:bus']);
    expect(subs.has('prices:SOL/USDT')).toBe(true);
  });
});
