import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGateway, type Gateway, loadConfig } from '../../src/index.js';
import { closeAll, collect, connect, request } from './helpers/clients.js';
import { signToken, TEST_SECRET } from './helpers/tokens.js';

/** What `POST /api/v1/publish` refuses, against a real gateway with real subscribers that must see nothing. */
describe('publish API: values without a wire form', () => {
  let gateway: Gateway;
  let serviceToken: string;
  let prices: Socket | undefined;
  let updates: { price: string }[] = [];

  async function publish(body: unknown) {
    const res = await fetch(`${gateway.url}/api/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceToken}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as { error?: { code: string; details?: { path: string }[] } },
    };
  }

  beforeAll(async () => {
    gateway = createGateway(
      loadConfig({
        WS_PORT: '0',
        WS_HOST: '127.0.0.1',
        WS_JWT_SECRET: TEST_SECRET,
        WS_DEMO_FEED: '0',
        LOG_LEVEL: 'silent',
      }),
    );
    await gateway.start();
    serviceToken = await signToken({ sub: 'pricing', role: 'service' });
    prices = await connect(gateway.url, '/prices');
    updates = collect(prices, 'price.update');
    expect((await request(prices, 'subscribe', { symbols: ['BTC/USDT'] })).ok).toBe(true);
  });

  afterAll(async () => {
    closeAll([prices]);
    await gateway?.stop();
  });

  // Raw JSON text: these are numbers on the wire, exactly as a publisher in another language sends them.
  it.each(['1e300', '1e-300', '1e64', '5e-324', '-1e300'])(
    'a price of %s is 400 INVALID_PAYLOAD at /data/price, and nothing is published',
    async (number) => {
      const res = await publish(
        `{"event":"price.update","data":{"symbol":"BTC/USDT","price":${number},"bid":1,"ask":2,"volume":3}}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe('INVALID_PAYLOAD');
      expect(res.body.error?.details?.map((d) => d.path)).toContain('/data/price');
    },
  );

  it('in a batch and deep in a depth level, the pointer names the item and the level', async () => {
    const res = await publish(
      `[{"event":"market.depth","data":{"symbol":"BTC/USDT","type":"snapshot","bids":[["1","2"],[3,1e300]],"asks":[]}}]`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('INVALID_PAYLOAD');
    expect(res.body.error?.details?.map((d) => d.path)).toContain('/0/data/bids/1/1');
  });

  it('the subscribers saw none of the refused values; a good publish still goes through', async () => {
    expect(
      (await publish({ event: 'price.update', data: { symbol: 'BTC/USDT', price: 1e63, bid: 1, ask: 2, volume: 3 } }))
        .status,
    ).toBe(202);
    await vi.waitFor(() => expect(updates.map((u) => u.price)).toEqual([`1${'0'.repeat(63)}`]), { timeout: 10_000 });
  });
});

describe('publish API: private events on an unknown symbol', () => {
  let gateway: Gateway;
  let serviceToken: string;
  let alice: Socket | undefined;
  let orders: { orderId: string; symbol: string }[] = [];

  beforeAll(async () => {
    gateway = createGateway(
      loadConfig({
        WS_PORT: '0',
        WS_HOST: '127.0.0.1',
        WS_JWT_SECRET: TEST_SECRET,
        WS_DEMO_FEED: '0',
        LOG_LEVEL: 'silent',
      }),
    );
    await gateway.start();
    serviceToken = await signToken({ sub: 'orders', role: 'service' });
    alice = await connect(gateway.url, '/user', await signToken({ sub: 'alice', role: 'user' }));
    orders = collect(alice, 'order.new');
  });

  afterAll(async () => {
    closeAll([alice]);
    await gateway?.stop();
  });

  const order = (symbol: string, orderId: string) => ({
    event: 'order.new',
    userId: 'alice',
    data: {
      orderId,
      symbol,
      side: 'buy',
      type: 'limit',
      price: '1',
      quantity: '1',
      filledQuantity: '0',
      status: 'new',
    },
  });

  async function publish(body: unknown) {
    const res = await fetch(`${gateway.url}/api/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceToken}` },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as { error?: { code: string; details?: { path: string }[] } },
    };
  }

  it('order.new with FOO/BAR is 400 UNKNOWN_SYMBOL pointing at the symbol, and the user gets nothing', async () => {
    const single = await publish(order('FOO/BAR', 'o-foreign'));
    expect(single.status).toBe(400);
    expect(single.body.error?.code).toBe('UNKNOWN_SYMBOL');
    expect(single.body.error?.details?.map((d) => d.path)).toEqual(['/data/symbol']);
    const batch = await publish([order('BTC/USDT', 'o-batch'), order('FOO/BAR', 'o-foreign-2')]);
    expect(batch.status).toBe(400);
    expect(batch.body.error?.code).toBe('UNKNOWN_SYMBOL');
    expect(batch.body.error?.details?.map((d) => d.path)).toEqual(['/1/data/symbol']);
    for (const event of ['position.update', 'margin.call']) {
      const data =
        event === 'margin.call'
          ? { symbol: 'FOO/BAR', marginRatio: '0.9', maintenanceMargin: '1', message: 'add margin' }
          : {
              positionId: 'p-1',
              symbol: 'FOO/BAR',
              side: 'long',
              size: '1',
              entryPrice: '1',
              markPrice: '1',
              liquidationPrice: '0.5',
              unrealizedPnl: '0',
              margin: '1',
              leverage: '2',
            };
      const res = await publish({ event, userId: 'alice', data });
      expect(res.status, event).toBe(400);
      expect(res.body.error?.code, event).toBe('UNKNOWN_SYMBOL');
    }
    // The marker arrives, and it is the only order alice ever saw.
    expect((await publish(order('BTC/USDT', 'o-marker'))).status).toBe(202);
    await vi.waitFor(() => expect(orders.map((o) => o.orderId)).toEqual(['o-marker']), { timeout: 10_000 });
  });
});
