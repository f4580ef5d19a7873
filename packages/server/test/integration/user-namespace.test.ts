import type { OrderEvent } from '@ws/protocol';
import { connected, nextEvent, record, refused, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

let ts: TestServer;
afterEach(async () => {
  await ts?.close();
});

const order = {
  orderId: 'o-1',
  symbol: 'BTC/USDT',
  side: 'buy' as const,
  type: 'limit' as const,
  price: 50000,
  quantity: 1,
  filledQuantity: 0,
  status: 'new' as const,
};
const position = {
  positionId: 'p-1',
  symbol: 'BTC/USDT',
  side: 'long' as const,
  size: 1,
  entryPrice: 50000,
  markPrice: 50100,
  liquidationPrice: 40000,
  unrealizedPnl: 100,
  margin: 5000,
  leverage: 10,
};
const USER_EVENTS = [
  'order.new',
  'order.update',
  'order.filled',
  'order.cancelled',
  'position.update',
  'position.liquidated',
  'wallet.update',
  'margin.call',
];

async function userClient(ts: TestServer, userId: string) {
  const client = ts.connect('/user', { token: await ts.token({ userId }) });
  await connected(client);
  return client;
}

describe('/user', () => {
  it('refuses anonymous connections', async () => {
    ts = await startServer();
    const err = await refused(ts.connect('/user'));
    expect(err.data?.code).toBe('UNAUTHORIZED');
  });

  it('delivers every private event to its user, with seq per room and the event picked from order status', async () => {
    ts = await startServer();
    const alice = await userClient(ts, 'alice');
    const seen = record(alice, USER_EVENTS);
    const b = ts.server.broadcast;
    await b.broadcastOrderUpdate('alice', order);
    await b.broadcastOrderUpdate('alice', { ...order, status: 'partially_filled', filledQuantity: 0.5 });
    await b.broadcastOrderUpdate('alice', { ...order, status: 'filled', filledQuantity: 1, averagePrice: 50000 });
    await b.broadcastOrderUpdate('alice', { ...order, orderId: 'o-2', status: 'expired' });
    await b.broadcastPositionUpdate('alice', position);
    await b.broadcastPositionLiquidated('alice', { ...position, size: 0 });
    await b.broadcastWalletUpdate('alice', { asset: 'USDT', available: 1000, locked: 0, total: 1000 });
    await b.broadcastMarginCall('alice', { marginRatio: 0.85, maintenanceMargin: 0.8, message: 'top up' });
    await expect.poll(() => seen.length).toBe(8);
    expect(seen.map(([e]) => e)).toEqual(USER_EVENTS);
    expect(seen.slice(0, 4).map(([, p]) => (p as OrderEvent).seq)).toEqual([1, 2, 3, 4]);
    expect(seen[0]![1]).toMatchObject({ price: '50000', quantity: '1', filledQuantity: '0', status: 'new' });
    expect(seen.slice(4, 6).map(([, p]) => (p as { seq: number }).seq)).toEqual([1, 2]);
  });

  it('isolation: a user never receives another user’s events, whatever they send', async () => {
    ts = await startServer();
    const alice = await userClient(ts, 'alice');
    const mallory = await userClient(ts, 'mallory');
    const malloryGot = record(mallory, USER_EVENTS);
    const aliceGot = record(alice, USER_EVENTS);
    for (const [event, payload] of [
      ['subscribe', { symbols: ['BTC/USDT'] }],
      ['subscribe', { room: 'orders:alice' }],
      ['join', 'orders:alice'],
      ['join', { room: 'user:alice' }],
      ['subscribe', { userId: 'alice', channels: ['orders', 'wallet'] }],
    ] as const) {
      const ack = await request(mallory, event, payload);
      expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    // Unacknowledged crafted events are answered with an `error` event, never with data.
    const error = nextEvent<{ code: string; event: string }>(mallory, 'error');
    (mallory as unknown as { emit(e: string, p: unknown): void }).emit('join', 'wallet:alice');
    expect(await error).toMatchObject({ code: 'NOT_FOUND', event: 'join' });

    await ts.server.broadcast.broadcastOrderUpdate('alice', order);
    await ts.server.broadcast.broadcastWalletUpdate('alice', { asset: 'BTC', available: 1, locked: 0, total: 1 });
    await ts.server.broadcast.broadcastMarginCall('alice', { marginRatio: 1, maintenanceMargin: 1, message: 'x' });
    await expect.poll(() => aliceGot.length).toBe(3);
    await request(mallory, 'ping', {});
    expect(malloryGot).toEqual([]);
    const info = ts.server.connections.info(mallory.id!);
    expect(info?.rooms.sort()).toEqual(['orders:mallory', 'positions:mallory', 'user:mallory', 'wallet:mallory']);
  });

  it('a private publish without a valid userId is refused and nothing is sent', async () => {
    ts = await startServer();
    const alice = await userClient(ts, 'alice');
    const seen = record(alice, USER_EVENTS);
    expect(() => ts.server.broadcast.publish('order.new', order)).toThrow(
      expect.objectContaining({ code: 'INVALID_PAYLOAD' }),
    );
    expect(() => ts.server.broadcast.publish('order.new', order, 'orders:alice/../x')).toThrow(
      expect.objectContaining({ code: 'INVALID_PAYLOAD' }),
    );
    await request(alice, 'ping', {});
    expect(seen).toEqual([]);
  });
});
