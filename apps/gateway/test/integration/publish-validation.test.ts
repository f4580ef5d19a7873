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
