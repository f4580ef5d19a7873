import { closeAll, collect, connect, request, signToken } from '@ws/test-support';
import { startGateway } from '@ws/test-support/gateway';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../src/index.js';

type PublishError = { code: string; details?: { path: string }[] };

/** `POST /api/v1/publish` with a service token; a string body is sent as it is (raw JSON numbers). */
async function publishTo(gateway: Gateway, token: string, body: unknown) {
  const res = await fetch(`${gateway.url}/api/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { error?: PublishError } };
}

/** What `POST /api/v1/publish` refuses, against a real gateway with real subscribers that must see nothing. */
describe('publish API: values without a wire form', () => {
  let gateway: Gateway;
  let serviceToken: string;
  let prices: Socket | undefined;
  let updates: { price: string }[] = [];

  const publish = (body: unknown) => publishTo(gateway, serviceToken, body);

  beforeAll(async () => {
    gateway = await startGateway();
    serviceToken = signToken({ sub: 'pricing', role: 'service' });
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
    gateway = await startGateway();
    serviceToken = signToken({ sub: 'orders', role: 'service' });
    alice = await connect(gateway.url, '/user', signToken({ sub: 'alice', role: 'user' }));
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

  const publish = (body: unknown) => publishTo(gateway, serviceToken, body);

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

describe('publish API: sign rules', () => {
  let gateway: Gateway;
  let serviceToken: string;
  let market: Socket | undefined;
  let depth: { bids: [string, string][]; asks: [string, string][] }[] = [];

  const publish = (body: unknown) => publishTo(gateway, serviceToken, body);
  const book = (bids: unknown[], asks: unknown[]) => ({
    event: 'market.depth',
    data: { symbol: 'ETH/USDT', type: 'delta', bids, asks },
  });

  beforeAll(async () => {
    gateway = await startGateway();
    serviceToken = signToken({ sub: 'books', role: 'service' });
    market = await connect(gateway.url, '/market');
    depth = collect(market, 'market.depth');
    expect((await request(market, 'subscribe', { channels: ['depth'], symbols: ['ETH/USDT'] })).ok).toBe(true);
  });

  afterAll(async () => {
    closeAll([market]);
    await gateway?.stop();
  });

  it.each([
    ['a negative bid price', book([['-3000', '1']], []), '/data/bids/0/0'],
    ['a zero ask price', book([], [[0, '1']]), '/data/asks/0/0'],
    ['a negative quantity', book([['3000', -2]], []), '/data/bids/0/1'],
    [
      'a negative price.update bid',
      { event: 'price.update', data: { symbol: 'ETH/USDT', price: 1, bid: -1, ask: 2, volume: 1 } },
      '/data/bid',
    ],
    [
      'a negative 24h volume',
      { event: 'price.update', data: { symbol: 'ETH/USDT', price: 1, bid: 1, ask: 2, volume: '-5' } },
      '/data/volume',
    ],
    [
      'a negative wallet total',
      { event: 'wallet.update', userId: 'u-1', data: { asset: 'USDT', available: 0, locked: 0, total: '-1' } },
      '/data/total',
    ],
    [
      'a negative order quantity',
      {
        event: 'order.new',
        userId: 'u-1',
        data: {
          orderId: 'o',
          symbol: 'ETH/USDT',
          side: 'buy',
          type: 'limit',
          price: '1',
          quantity: '-1',
          filledQuantity: '0',
          status: 'new',
        },
      },
      '/data/quantity',
    ],
  ])('%s is 400 INVALID_PAYLOAD at its pointer', async (_name, body, pointer) => {
    const res = await publish(body);
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('INVALID_PAYLOAD');
    expect(res.body.error?.details?.map((d) => d.path)).toContain(pointer);
  });

  it('signed fields keep their sign: a negative PnL and 24h change are accepted', async () => {
    const position = {
      positionId: 'p-1',
      symbol: 'ETH/USDT',
      side: 'short',
      size: '2',
      entryPrice: '3000',
      markPrice: '3100',
      liquidationPrice: '4000',
      unrealizedPnl: '-200',
      margin: '600',
      leverage: '10',
    };
    expect((await publish({ event: 'position.update', userId: 'u-1', data: position })).status).toBe(202);
    const stats = {
      symbol: 'ETH/USDT',
      open: 3100,
      high: 3200,
      low: 2900,
      last: 3000,
      volume: 10,
      quoteVolume: 30000,
      change: -100,
      changePercent: '-3.2258',
    };
    expect((await publish({ event: 'market.stats', data: stats })).status).toBe(202);
  });

  it('no refused level reached the book: the stream and market.snapshot hold only the good levels', async () => {
    expect((await publish(book([['3000', '1']], [['3001', '2']]))).status).toBe(202);
    // A batch with one negative level is refused whole: its good level must not appear either.
    expect((await publish([book([['2999', '5']], []), book([['-1', '1']], [])])).status).toBe(400);
    expect((await publish(book([['3000', '0']], [['3002', '1']]))).status).toBe(202);
    await vi.waitFor(() => expect(depth).toHaveLength(2), { timeout: 10_000 });
    const levels = depth.flatMap((d) => [...d.bids, ...d.asks]);
    expect(levels.every(([p, q]) => !p.startsWith('-') && !q.startsWith('-') && p !== '0')).toBe(true);
    const snap = await request<{ ok: true; depth: { bids: [string, string][]; asks: [string, string][] } }>(
      market!,
      'market.snapshot',
      { symbol: 'ETH/USDT' },
    );
    expect(snap.depth.bids).toEqual([]);
    expect(snap.depth.asks).toEqual([
      ['3001', '2'],
      ['3002', '1'],
    ]);
  });
});
