import type { PriceUpdate } from '@ws/protocol';
import { connected, request } from '@ws/test-support';
import { redisNodes } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { busChannel } from '../../src/redis-keys.js';

const servers = redisNodes('bus');
afterEach(() => servers.close());

/** A logger that keeps the `dropped` count of every "malformed bus message dropped" line. */
function droppedLog(): { logger: Logger; dropped: number[] } {
  const dropped: number[] = [];
  const keep = (obj: object, msg?: string) => {
    if (msg === 'malformed bus message dropped') dropped.push((obj as { dropped: number }).dropped);
  };
  const noop = () => {};
  return { logger: { debug: noop, info: noop, warn: keep, error: noop }, dropped };
}

const body = (fields: Record<string, unknown>) =>
  JSON.stringify({ n: '/prices', r: 'prices:BTC/USDT', e: 'price.update', d: { symbol: 'BTC/USDT' }, ...fields });

// What a foreign client or a corrupted node could SPUBLISH on a room's bus channel: none of it is a ClusterBusMessage.
const GARBAGE = [
  '',
  'not a bus message',
  '1|0|{not json',
  '1|0|null',
  '1|0|[]',
  `x|0|${body({})}`,
  `-1|0|${body({})}`,
  `1.5|0|${body({})}`,
  `1|0|${body({ n: '/admin' })}`,
  `1|0|${body({ e: 'system.message' })}`,
  `1|0|${body({ e: 'toString' })}`,
  `1|0|${body({ d: null })}`,
  `1|0|${body({ d: 'text' })}`,
  `1|0|${body({ t: 'yesterday' })}`,
  `1|0|${body({ r: 'orders:alice' })}`,
  `1|0|${body({ e: 'market.depth' })}`,
  `1|0|${JSON.stringify({ n: '/prices', r: 'prices:BTC/USDT', e: 'price.update' })}`,
];

describe('cluster bus: every message is checked against the protocol’s ClusterBusMessage', () => {
  it('garbage published on the bus channel is logged, counted and dropped; the node keeps delivering', async () => {
    const { logger, dropped } = droppedLog();
    const node = await servers.start({ nodeId: 'node-0', logger });
    const client = node.connect('/prices');
    await connected(client);
    await request(client, 'subscribe', { symbols: ['BTC/USDT'] });
    const got: PriceUpdate[] = [];
    client.on('price.update', (u) => got.push(u));

    const raw = servers.redis!.client();
    // On the room's own channel, where the node listens while it has a member in the room.
    const channel = busChannel('bus', 'prices:BTC/USDT');
    for (const message of GARBAGE) await raw.spublish(channel, message);
    // Redis delivers a channel's messages in publish order: once a valid one after the garbage arrives, all
    // of the garbage has been handled.
    await node.server.broadcastPriceUpdate('BTC/USDT', { price: 2, bid: 1, ask: 3, volume: 1 });
    await expect.poll(() => got.length, { timeout: 10_000 }).toBe(1);

    expect(got[0]).toMatchObject({ seq: 1, price: '2' });
    expect(dropped).toEqual(GARBAGE.map((_, i) => i + 1));
    expect(node.server.io.of('/prices').sockets.size).toBe(1);
  });

  it('a well-formed message from another node is delivered, also with a body field this node does not know', async () => {
    const node = await servers.start({ nodeId: 'node-0' });
    const client = node.connect('/prices');
    await connected(client);
    await request(client, 'subscribe', { symbols: ['ETH/USDT'] });
    const first = new Promise<PriceUpdate>((resolve) => client.once('price.update', resolve));
    const data = { symbol: 'ETH/USDT', price: '5', bid: '4', ask: '6', volume: '1', timestamp: 1 };
    await servers
      .redis!.client()
      .spublish(
        busChannel('bus', 'prices:ETH/USDT'),
        `7|6|${JSON.stringify({ n: '/prices', r: 'prices:ETH/USDT', e: 'price.update', d: data, t: 1, v: 2 })}`,
      );
    expect(await first).toEqual({ ...data, seq: 7 });
  });
});
