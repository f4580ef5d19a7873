import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import type { MarketTicker, PriceUpdate } from '@ws/protocol';
import { Server } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StateChange, TradingClient, type TradingClientOptions } from '../../src/index.js';
import { pollingManager } from '../../src/polling.js';
import { filledOrder, type Gateway, signToken, startGateway, waitFor } from './gateway.js';

const BTC = 'BTC/USDT';
const ETH = 'ETH/USDT';

/** A TCP proxy in front of the gateway that refuses every WebSocket upgrade with 403, as some corporate proxies do. */
async function webSocketBlocker(targetPort: number) {
  const state = { refused: 0 };
  const server = createServer((client: Socket) => {
    client.once('data', (first: Buffer) => {
      if (/^upgrade:\s*websocket/im.test(first.toString('latin1'))) {
        state.refused++;
        client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      upstream.write(first);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    client.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let gw: Gateway;
let proxy: Awaited<ReturnType<typeof webSocketBlocker>>;
const clients: TradingClient[] = [];

function makeClient(options: Partial<TradingClientOptions> = {}) {
  const client = new TradingClient({
    url: proxy.url,
    timeout: 5_000,
    reconnectDelayMin: 20,
    reconnectDelayMax: 200,
    pingInterval: 0,
    ...options,
  });
  clients.push(client);
  return client;
}

beforeEach(async () => {
  gw = await startGateway();
  proxy = await webSocketBlocker(gw.port);
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gw.close();
  await proxy.close();
});

describe('behind a proxy that blocks WebSocket', () => {
  it('the WebSocket-only default cannot connect and says why; it keeps retrying', async () => {
    const client = makeClient();
    const retrying = waitFor<StateChange>(
      (l) => client.on('state', l),
      (s) => s.state === 'reconnecting',
    );
    client.subscribePrices([BTC]).catch(() => {});
    const state = await retrying;
    expect(state).toMatchObject({ code: 'DISCONNECTED', reason: 'websocket error' });
    expect(proxy.state.refused).toBeGreaterThan(0);
  });

  it('pollingManager connects over long-polling: /prices, /market and /user, streams, a verified book, the user stream', async () => {
    await gw.server.broadcast.broadcastDepth({
      symbol: BTC,
      type: 'snapshot',
      bids: [['100', '1']],
      asks: [['101', '1']],
    });
    const client = makeClient({ manager: pollingManager, token: signToken({ userId: 'pat', role: 'user' }) });
    await expect(client.subscribePrices([BTC])).resolves.toEqual([BTC]);
    const book = await client.subscribeOrderBook(BTC);
    expect(book.bestBid()).toEqual(['100', '1']);
    expect((await client.connectUser()).userId).toBe('pat');

    const price = waitFor<PriceUpdate>((l) => client.on('price:BTC/USDT', l));
    const filled = waitFor<{ orderId: string }>((l) => client.on('order.filled', l));
    await gw.server.broadcastPriceUpdate(BTC, { price: 42, bid: 41, ask: 43, volume: 1 });
    await gw.server.broadcast.broadcastOrderUpdate('pat', filledOrder('o-1'));
    expect((await price).price).toBe('42');
    expect((await filled).orderId).toBe('o-1');
    // socket.io-client tried to upgrade to WebSocket and stayed on long-polling when the proxy refused.
    await expect.poll(() => proxy.state.refused, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(client.state).toBe('connected');
  });

  it('pollingManager reconnects after a server-side disconnect: restores, and /user replays with since', async () => {
    const client = makeClient({ manager: pollingManager, token: signToken({ userId: 'quinn', role: 'user' }) });
    await client.subscribePrices([BTC]);
    await client.connectUser();
    const filled: string[] = [];
    client.on('order.filled', (o) => filled.push(o.orderId));
    const first = waitFor((l) => client.on('order.filled', l));
    await gw.server.broadcast.broadcastOrderUpdate('quinn', filledOrder('o-1'));
    await first;
    const recovery = waitFor<{ recovered: boolean }>((l) => client.on('recovery', l));
    const refusals: string[] = [];
    client.on('error', (e) => refusals.push(e.code));
    // Maintenance holds the reconnect until the missed event is published.
    gw.server.setMaintenance(true, 'test');
    await gw.server.disconnect({ userId: 'quinn' });
    await expect.poll(() => refusals.includes('MAINTENANCE'), { timeout: 10_000 }).toBe(true);
    await gw.server.broadcast.broadcastOrderUpdate('quinn', filledOrder('o-missed'));
    gw.server.setMaintenance(false);
    expect((await recovery).recovered).toBe(true);
    await expect.poll(() => filled, { timeout: 10_000 }).toEqual(['o-1', 'o-missed']);
    // /prices was restored too: a fresh publish arrives.
    await expect.poll(() => gw.server.subscriptions.subscriberCount(`prices:${BTC}`), { timeout: 10_000 }).toBe(1);
    const price = waitFor<PriceUpdate>(
      (l) => client.on('price:BTC/USDT', l),
      (u) => u.price === '7',
    );
    await gw.server.broadcastPriceUpdate(BTC, { price: 7, bid: 6, ask: 8, volume: 1 });
    await price;
  });
});

/**
 * A real Socket.IO 4 server, long-polling only, whose `/prices` answers a subscribe as the gateway does (ack,
 * `subscription.confirmed`, snapshot, written in one turn), after one packet that takes the poll request the
 * client has waiting, if any: the three then wait in Engine.IO for the client's next poll and arrive in one
 * payload every time, where against the gateway that depends on when the poll requests come.
 */
async function pollingPricesServer() {
  const http = createHttpServer();
  const io = new Server(http, { transports: ['polling'] });
  const seqs = new Map<string, number>();
  const update = (symbol: string, price: number) => {
    seqs.set(symbol, (seqs.get(symbol) ?? 0) + 1);
    const p = { price: String(price), bid: String(price - 1), ask: String(price + 1), volume: '1' };
    return { ...p, symbol, timestamp: Date.now(), seq: seqs.get(symbol) };
  };
  io.of('/prices').on('connection', (socket) => {
    socket.on('subscribe', ({ symbols }: { symbols: string[] }, ack: (response: unknown) => void) => {
      // Answers the poll request the client has waiting, if any (an event the client has no listener for).
      socket.emit('poll.taken');
      ack({ ok: true, symbols });
      socket.emit('subscription.confirmed', { namespace: '/prices', channels: symbols.map((s) => `prices:${s}`) });
      for (const symbol of symbols) socket.emit('price.update', update(symbol, 100));
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    publish: (symbol: string, price: number) => io.of('/prices').emit('price.update', update(symbol, price)),
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}

describe('pollingManager: what comes after an ack in the same long-polling payload', () => {
  it('a listener added right after `await subscribePrices` gets the snapshot, then later updates in order', async () => {
    const server = await pollingPricesServer();
    const client = makeClient({ url: server.url, manager: pollingManager, socketOptions: { transports: ['polling'] } });
    try {
      const seen: Record<string, string[]> = { [BTC]: [], [ETH]: [] };
      // The first subscribe connects /prices, the second runs on the open connection: both get their snapshot.
      for (const symbol of [BTC, ETH] as const) {
        await client.subscribePrices([symbol]);
        client.on(`price:${symbol}`, (p) => seen[symbol]!.push(p.price));
        await expect.poll(() => seen[symbol], { timeout: 2_000 }).toEqual(['100']);
      }
      server.publish(BTC, 101);
      server.publish(ETH, 101);
      server.publish(BTC, 102);
      await expect
        .poll(() => seen, { timeout: 2_000 })
        .toEqual({ [BTC]: ['100', '101', '102'], [ETH]: ['100', '101'] });
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe('pollingManager against the gateway, long-polling only', () => {
  it("a listener added right after `await subscribe…` gets the subscription's snapshot, and later messages once", async () => {
    // The Quick Start over long-polling: a subscribe's ack, confirmation and snapshot come in one payload
    // whenever no poll request was waiting at the server when it wrote them.
    await gw.server.broadcastPriceUpdate(BTC, { price: 50_000, bid: 49_999, ask: 50_001, volume: 1 });
    await gw.server.broadcast.broadcastTicker({ symbol: BTC, bid: 1, ask: 2, last: 1.5 });
    for (let round = 0; round < 5; round++) {
      const client = makeClient({ url: gw.url, manager: pollingManager, socketOptions: { transports: ['polling'] } });
      const prices: string[] = [];
      await client.subscribePrices([BTC]);
      const snapshot = waitFor<PriceUpdate>((l) => client.on('price:BTC/USDT', l), undefined, 2_000);
      client.on('price:BTC/USDT', (p) => prices.push(p.price));
      expect((await snapshot).price).toBe(String(50_000 + round));
      const tickers: string[] = [];
      await client.subscribeMarket(['ticker'], [BTC]);
      const ticker = waitFor<MarketTicker>((l) => client.on('market.ticker', l), undefined, 2_000);
      client.on('market.ticker', (t) => tickers.push(t.bid));
      expect((await ticker).bid).toBe('1');
      const next = waitFor<PriceUpdate>((l) => client.on('price:BTC/USDT', l));
      await gw.server.broadcastPriceUpdate(BTC, { price: 50_001 + round, bid: 1, ask: 2, volume: 1 });
      expect((await next).price).toBe(String(50_001 + round));
      expect(prices).toEqual([String(50_000 + round), String(50_001 + round)]);
      expect(tickers).toEqual(['1']);
      client.close();
    }
  });
});
