import type { PriceUpdate, SubscriptionConfirmed } from '@ws/protocol';
import { connected, nextEvent, record, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

let ts: TestServer;
afterEach(async () => {
  await ts?.close();
});

const tick = { price: 50000, bid: 49999.5, ask: 50000.5, volume: 1234567 };

describe('/prices', () => {
  it('accepts anonymous clients and greets them with connection.authenticated', async () => {
    ts = await startServer();
    const client = ts.connect('/prices');
    const greeting = nextEvent<{ namespace: string; userId: string | null }>(client, 'connection.authenticated');
    await connected(client);
    expect(await greeting).toMatchObject({ namespace: '/prices', userId: null, role: null });
  });

  it('subscribes: ack, then subscription.confirmed, then the latest price.update as the snapshot', async () => {
    ts = await startServer();
    await ts.server.broadcastPriceUpdate('BTC/USDT', { ...tick, timestamp: 1_700_000_000_000 });
    const client = ts.connect('/prices');
    await connected(client);
    const seen = record(client, ['subscription.confirmed', 'price.update']);
    const ack = await request(client, 'subscribe', { symbols: ['BTC/USDT', 'ETH/USDT'] });
    expect(ack).toEqual({ ok: true, symbols: ['BTC/USDT', 'ETH/USDT'] });
    await expect.poll(() => seen.length).toBe(2);
    const [confirmed, snapshot] = seen;
    expect(confirmed).toEqual([
      'subscription.confirmed',
      { namespace: '/prices', channels: ['prices:BTC/USDT', 'prices:ETH/USDT'] } satisfies SubscriptionConfirmed,
    ]);
    expect(snapshot).toEqual([
      'price.update',
      {
        symbol: 'BTC/USDT',
        price: '50000',
        bid: '49999.5',
        ask: '50000.5',
        volume: '1234567',
        timestamp: 1_700_000_000_000,
        seq: 1,
      } satisfies PriceUpdate,
    ]);
  });

  it('streams updates with continuous seq per room, and stops after unsubscribe', async () => {
    ts = await startServer();
    const client = ts.connect('/prices');
    await connected(client);
    const updates: PriceUpdate[] = [];
    client.on('price.update', (u) => updates.push(u));
    await request(client, 'subscribe', { symbols: ['ETH/USDT'] });
    for (let i = 0; i < 5; i++) await ts.server.broadcastPriceUpdate('ETH/USDT', { ...tick, price: 3000 + i });
    await expect.poll(() => updates.length).toBe(5);
    expect(updates.map((u) => u.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(updates.map((u) => u.price)).toEqual(['3000', '3001', '3002', '3003', '3004']);
    expect(await request(client, 'unsubscribe', { symbols: ['ETH/USDT'] })).toEqual({
      ok: true,
      symbols: ['ETH/USDT'],
    });
    await ts.server.broadcastPriceUpdate('ETH/USDT', tick);
    // A ping round trip orders after any update the server would have sent.
    await request(client, 'ping', {});
    expect(updates).toHaveLength(5);
  });
});
