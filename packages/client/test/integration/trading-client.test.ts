import type { PriceUpdate, SystemMessage } from '@ws/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type GapEvent,
  isTradingClientError,
  type OrderBookUpdate,
  type ResyncEvent,
  type StateChange,
  TradingClient,
  type TradingClientError,
  type TradingClientOptions,
} from '../../src/index.js';
import { protocolEventValidator } from '../../src/validate.js';
import { filledOrder, type Gateway, SYMBOLS, signToken, startGateway, waitFor } from './gateway.js';

const BTC = 'BTC/USDT';
const ETH = 'ETH/USDT';

let gw: Gateway;
const clients: TradingClient[] = [];

function makeClient(options: Partial<TradingClientOptions> = {}): TradingClient {
  const client = new TradingClient({
    url: gw.url,
    timeout: 3_000,
    reconnectDelayMin: 20,
    reconnectDelayMax: 200,
    pingInterval: 0,
    ...options,
  });
  clients.push(client);
  return client;
}

const price = (p: number) => ({ price: p, bid: p - 1, ask: p + 1, volume: 10 });

function onNext<K extends Parameters<TradingClient['on']>[0]>(
  client: TradingClient,
  event: K,
  match?: (value: never) => boolean,
) {
  return waitFor(
    (l) => client.on(event, l as never),
    match as ((value: unknown) => boolean) | undefined,
  ) as Promise<never>;
}

beforeEach(async () => {
  gw = await startGateway();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gw.close();
});

describe('TradingClient against a real WebSocketServer', () => {
  it('connects lazily, walks disconnected → connecting → connected, and streams prices', async () => {
    const client = makeClient();
    const states: StateChange[] = [];
    client.on('state', (s) => states.push(s));
    expect(client.state).toBe('disconnected');
    await expect(client.subscribePrices([BTC, ETH])).resolves.toEqual([BTC, ETH]);
    expect(client.state).toBe('connected');
    expect(states.map((s) => `${s.previous}>${s.state}`)).toEqual(['disconnected>connecting', 'connecting>connected']);

    const all: PriceUpdate[] = [];
    client.on('price.update', (p) => all.push(p));
    const btc = waitFor<PriceUpdate>((l) => client.on('price:BTC/USDT', l));
    const eth = waitFor<PriceUpdate>((l) => client.on('price:ETH/USDT', l));
    await gw.server.broadcastPriceUpdate(BTC, price(50_000));
    await gw.server.broadcastPriceUpdate(ETH, price(3_000));
    expect((await btc).price).toBe('50000');
    expect((await eth).price).toBe('3000');
    expect(all.map((p) => p.symbol).sort()).toEqual([BTC, ETH]);
    expect(client.subscriptions().prices).toEqual([BTC, ETH]);

    await client.unsubscribePrices([ETH]);
    const next = waitFor<PriceUpdate>((l) => client.on('price.update', l));
    await gw.server.broadcastPriceUpdate(ETH, price(3_001));
    await gw.server.broadcastPriceUpdate(BTC, price(50_001));
    expect((await next).symbol).toBe(BTC);
  });

  it('a listener added right after `await subscribePrices` gets the snapshot that came with the ack', async () => {
    // The README's Quick Start: the server's ack, confirmation and snapshot leave in one write, so the SDK
    // reads them together; the awaiter's continuation must run before the snapshot is delivered.
    await gw.server.broadcastPriceUpdate(BTC, price(50_000));
    await gw.server.broadcastPriceUpdate(ETH, price(3_000));
    let btc = 50_000;
    for (let round = 0; round < 5; round++) {
      const client = makeClient();
      const seen: string[] = [];
      await client.subscribePrices([BTC, ETH]);
      const both = waitFor<number>(
        (l) => {
          const offBtc = client.on('price:BTC/USDT', (p) => l(seen.push(`${p.symbol} ${p.price}`)));
          const offEth = client.on('price:ETH/USDT', (p) => l(seen.push(`${p.symbol} ${p.price}`)));
          return () => {
            offBtc();
            offEth();
          };
        },
        (n) => n === 2,
      );
      await both;
      client.on('price:BTC/USDT', (p) => seen.push(`${p.symbol} ${p.price}`));
      expect(seen.sort()).toEqual([`BTC/USDT ${btc}`, 'ETH/USDT 3000']);
      // Later messages still arrive once each, after the snapshot.
      const next = waitFor<PriceUpdate>((l) => client.on('price:BTC/USDT', l));
      await gw.server.broadcastPriceUpdate(BTC, price(btc + 1));
      expect((await next).price).toBe(String(btc + 1));
      expect(seen.filter((x) => x.startsWith(BTC))).toEqual([`BTC/USDT ${btc}`, `BTC/USDT ${btc + 1}`]);
      btc++;
      client.close();
    }
  });

  it('rejects failed acks with typed errors, locally invalid input before sending', async () => {
    const client = makeClient();
    const unknown = await client.subscribePrices(['DOGE/USDT']).catch((e: unknown) => e);
    expect(isTradingClientError(unknown, 'UNKNOWN_SYMBOL')).toBe(true);
    expect((unknown as TradingClientError).namespace).toBe('/prices');
    const invalid = await client.subscribePrices(['btc']).catch((e: unknown) => e);
    expect(isTradingClientError(invalid, 'INVALID_PAYLOAD')).toBe(true);
    const empty = await client.subscribePrices([]).catch((e: unknown) => e);
    expect(isTradingClientError(empty, 'INVALID_PAYLOAD')).toBe(true);
    const snapshot = await client.getOrderBookSnapshot('NOPE/USDT').catch((e: unknown) => e);
    expect(isTradingClientError(snapshot, 'UNKNOWN_SYMBOL')).toBe(true);
    // Nothing failed is remembered for a restore.
    expect(client.subscriptions().prices).toEqual([]);
    expect(client.state).toBe('connected');
  });

  it('market channels: ticker and stats events, and unsubscribe', async () => {
    const client = makeClient();
    const rooms = await client.subscribeMarket(['ticker', 'stats'], [BTC]);
    expect(rooms.sort()).toEqual([`market:stats:${BTC}`, `market:ticker:${BTC}`]);
    const ticker = onNext(client, 'market.ticker');
    await gw.server.broadcast.broadcastTicker({ symbol: BTC, bid: 1, ask: 2, last: 1.5 });
    expect(await ticker).toMatchObject({ symbol: BTC, bid: '1', ask: '2' });
    await client.unsubscribeMarket(['ticker', 'stats'], [BTC]);
    expect(client.subscriptions().market).toEqual([]);
  });

  it('subscribeOrderBook: a live book equal to the server book', async () => {
    await gw.server.broadcast.broadcastDepth({
      symbol: BTC,
      type: 'snapshot',
      bids: [
        ['100', '1'],
        ['99', '2'],
      ],
      asks: [['101', '1']],
    });
    const client = makeClient();
    const book = await client.subscribeOrderBook(BTC);
    expect(book.synced).toBe(true);
    expect(book.bestBid()).toEqual(['100', '1']);
    expect(book.bestAsk()).toEqual(['101', '1']);
    const updated = waitFor<OrderBookUpdate>(
      (l) => book.on('update', l),
      (u) => u.seq >= 3,
    );
    await gw.server.broadcast.broadcastDepth({ symbol: BTC, type: 'delta', bids: [['100', '0']], asks: [] });
    await gw.server.broadcast.broadcastDepth({ symbol: BTC, type: 'delta', bids: [], asks: [['100.5', '4']] });
    await updated;
    const server = gw.server.orderBooks.snapshot(BTC)!;
    expect(book.bids()).toEqual(server.bids);
    expect(book.asks()).toEqual(server.asks);
    expect(book.levels('asks', 1)).toEqual([['100.5', '4']]);
    expect(await client.subscribeOrderBook(BTC)).toBe(book);
    await book.close();
    expect(client.subscriptions().orderBooks).toEqual([]);
  });

  it('a corrupted delta (bad checksum) and a skipped seq: the book resyncs and ends equal to the server', async () => {
    await gw.server.broadcast.broadcastDepth({
      symbol: ETH,
      type: 'snapshot',
      bids: [['10', '1']],
      asks: [['11', '1']],
    });
    const client = makeClient();
    const book = await client.subscribeOrderBook(ETH);
    const resyncs: string[] = [];
    client.on('resync', (r) => resyncs.push(r.reason));
    // Straight through the server's Socket.IO namespace: what a buggy or lossy path would deliver.
    const market = gw.server.io.of('/market') as unknown as {
      to(room: string): { emit(event: string, payload: unknown): boolean };
    };
    const room = `market:depth:${ETH}`;
    const good = gw.server.orderBooks.snapshot(ETH)!;

    // Bad checksum, sent straight through the server's Socket.IO namespace.
    const first = waitFor<ResyncEvent>((l) => client.on('resync', l));
    market.to(room).emit('market.depth', {
      ...good,
      type: 'delta',
      bids: [['10', '5']],
      asks: [],
      seq: good.seq + 1,
      prevSeq: good.seq,
      checksum: 12345,
    });
    expect((await first).reason).toBe('checksum');
    expect(book.bids()).toEqual(gw.server.orderBooks.snapshot(ETH)!.bids);

    // A real delta the client never sees, then the next one: prevSeq does not chain.
    await gw.server.broadcast.broadcastDepth({ symbol: ETH, type: 'delta', bids: [['9', '3']], asks: [] });
    const second = waitFor<ResyncEvent>(
      (l) => client.on('resync', l),
      (r) => r.reason === 'sequence',
    );
    const current = gw.server.orderBooks.snapshot(ETH)!;
    market.to(room).emit('market.depth', {
      ...current,
      type: 'delta',
      bids: [],
      asks: [],
      seq: current.seq + 5,
      prevSeq: current.seq + 4,
    });
    await second;
    const server = gw.server.orderBooks.snapshot(ETH)!;
    expect(book.bids()).toEqual(server.bids);
    expect(book.asks()).toEqual(server.asks);
    expect(book.checksum()).toBe(server.checksum);
    expect(resyncs).toEqual(['checksum', 'sequence']);
  });

  it('/user: listening to a user event connects /user with the token; events arrive typed', async () => {
    const client = makeClient({ token: signToken({ userId: 'alice', role: 'user' }) });
    const filled = onNext(client, 'order.filled');
    await waitFor<StateChange>(
      (l) => client.on('state', l),
      (s) => s.state === 'connected',
    );
    const auth = await client.connectUser();
    expect(auth.userId).toBe('alice');
    await gw.server.broadcast.broadcastOrderUpdate('bob', filledOrder('o-bob'));
    await gw.server.broadcast.broadcastOrderUpdate('alice', filledOrder('o-1'));
    expect(await filled).toMatchObject({ orderId: 'o-1', filledQuantity: '1', status: 'filled' });
    const margin = onNext(client, 'margin.call');
    await gw.server.broadcast.broadcastMarginCall('alice', {
      marginRatio: 0.9,
      maintenanceMargin: 100,
      message: 'top up',
    });
    expect(await margin).toMatchObject({ marginRatio: '0.9', message: 'top up' });
  });

  it('refused connections: /user without a token, a forged token, a user token on /admin', async () => {
    const anonymous = makeClient();
    const noToken = await anonymous.connectUser().catch((e: unknown) => e);
    expect(isTradingClientError(noToken, 'UNAUTHORIZED')).toBe(true);

    // FORBIDDEN on /admin leaves the public stream alone.
    const user = makeClient({ token: signToken({ userId: 'carol', role: 'user' }) });
    await user.subscribePrices([BTC]);
    const errors: TradingClientError[] = [];
    user.on('error', (e) => errors.push(e));
    const forbidden = await user.admin.metrics().catch((e: unknown) => e);
    expect(isTradingClientError(forbidden, 'FORBIDDEN')).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(['FORBIDDEN']);
    expect(user.state).toBe('connected');

    // A forged token is refused everywhere: the client stops and says why.
    let engineConnections = 0;
    gw.server.io.engine.on('connection', () => engineConnections++);
    const forged = makeClient({ token: signToken({ userId: 'mallory' }, { secret: 'x'.repeat(40) }) });
    const stopped = waitFor<StateChange>(
      (l) => forged.on('state', l),
      (s) => s.state === 'disconnected',
    );
    const refused = await forged.subscribePrices([BTC]).catch((e: unknown) => e);
    expect(isTradingClientError(refused, 'UNAUTHORIZED')).toBe(true);
    expect(await stopped).toMatchObject({ state: 'disconnected', code: 'UNAUTHORIZED' });
    const seen = engineConnections;
    // No retry with credentials that cannot work: longer than reconnectDelayMax, no new connection.
    await new Promise((r) => setTimeout(r, 500));
    expect(engineConnections).toBe(seen);
    expect(forged.state).toBe('disconnected');
  });

  it('admin helpers with an admin token', async () => {
    const admin = makeClient({ token: signToken({ userId: 'root', role: 'admin' }) });
    const metrics = await admin.admin.metrics();
    expect(metrics.connections.current).toBeGreaterThanOrEqual(1);
    const list = await admin.admin.command('connections.list', { namespace: '/admin' });
    expect(list.total).toBeGreaterThanOrEqual(1);
    const bad = await admin.admin.command('connections.list', { limit: 0 }).catch((e: unknown) => e);
    expect(isTradingClientError(bad, 'INVALID_PAYLOAD')).toBe(true);
    const system = onNext(admin, 'system.message');
    await expect(admin.admin.broadcast({ type: 'info', message: 'hello' })).resolves.toEqual({ delivered: true });
    expect(await system).toMatchObject({ type: 'info', message: 'hello' });
  });

  it('system messages reach the app once, however many namespaces are connected', async () => {
    const client = makeClient();
    await client.subscribePrices([BTC]);
    await client.subscribeMarket(['ticker'], [BTC]);
    const seen: string[] = [];
    client.on('system.message', (m) => seen.push(m.message));
    await gw.server.broadcastSystemMessage({ type: 'warning', message: 'one' });
    await gw.server.broadcastSystemMessage({ type: 'warning', message: 'two' });
    // Said twice, identical to the millisecond: still two messages.
    await gw.server.broadcastSystemMessage({ type: 'info', message: 'again', timestamp: 1_700_000_000_000 });
    await gw.server.broadcastSystemMessage({ type: 'info', message: 'again', timestamp: 1_700_000_000_000 });
    await gw.server.broadcastSystemMessage({ type: 'warning', message: 'last' });
    await waitFor<SystemMessage>(
      (l) => client.on('system.message', l),
      (m) => m.message === 'last',
    );
    expect(seen).toEqual(['one', 'two', 'again', 'again', 'last']);
  });

  it('times out with TIMEOUT when nothing answers, and typed CLOSED after close()', async () => {
    const port = gw.port;
    await gw.stop();
    const client = new TradingClient({
      url: `http://127.0.0.1:${port}`,
      timeout: 300,
      reconnectDelayMin: 20,
      reconnectDelayMax: 100,
      pingInterval: 0,
    });
    clients.push(client);
    const states: string[] = [];
    client.on('state', (s) => states.push(s.state));
    const timedOut = await client.subscribePrices([BTC]).catch((e: unknown) => e);
    expect(isTradingClientError(timedOut, 'TIMEOUT')).toBe(true);
    expect(states).toContain('reconnecting');
    client.close();
    expect(client.state).toBe('closed');
    const closed = await client.subscribePrices([BTC]).catch((e: unknown) => e);
    expect(isTradingClientError(closed, 'CLOSED')).toBe(true);
    await gw.start();
  });

  it('ping: latency and server clock offset', async () => {
    const client = makeClient({ pingInterval: 50 });
    expect(client.latency()).toBeUndefined();
    await client.subscribePrices([BTC]);
    await expect.poll(() => client.latency(), { timeout: 5_000 }).toBeDefined();
    const sample = await client.ping();
    expect(sample.rtt).toBeGreaterThanOrEqual(0);
    // Same machine: the offset is small (not a timing assertion: a broken formula is off by ~now).
    expect(Math.abs(client.serverTimeOffset()!)).toBeLessThan(60_000);
    expect(client.latency()!.average).toBeGreaterThanOrEqual(0);
  });

  it('setToken refreshes in-band without reconnecting; a token of another user is refused', async () => {
    const client = makeClient({ token: signToken({ userId: 'dave', role: 'user' }, { expiresInSec: 120 }) });
    await client.connectUser();
    const states: string[] = [];
    client.on('state', (s) => states.push(s.state));
    await expect(client.setToken(signToken({ userId: 'dave', role: 'user' }, { expiresInSec: 7200 }))).resolves.toBe(
      undefined,
    );
    const other = await client.setToken(signToken({ userId: 'eve', role: 'user' })).catch((e: unknown) => e);
    expect(isTradingClientError(other)).toBe(true);
    expect(states).toEqual([]);
    // The refused token is not the one used to reconnect: /user comes back as dave.
    const recovery = onNext(client, 'recovery');
    await gw.server.disconnect({ userId: 'dave' });
    await recovery;
    expect(gw.server.connections.list({ namespace: '/user' }).connections.map((c) => c.userId)).toEqual(['dave']);
  });

  it('onTokenExpiring fetches a new token before exp and refreshes it', async () => {
    let calls = 0;
    const client = makeClient({
      token: signToken({ userId: 'frank', role: 'user' }, { expiresInSec: 61 }),
      tokenRefreshLeadMs: 60_500,
      onTokenExpiring: async (remaining) => {
        calls++;
        expect(remaining).toBeGreaterThan(0);
        return signToken({ userId: 'frank', role: 'user' }, { expiresInSec: 3600 });
      },
    });
    const errors: TradingClientError[] = [];
    client.on('error', (e) => errors.push(e));
    await client.connectUser();
    await expect.poll(() => calls, { timeout: 5_000 }).toBe(1);
    const [conn] = gw.server.connections.list({ namespace: '/user' }).connections;
    expect(conn?.userId).toBe('frank');
    expect(errors).toEqual([]);
  });

  it('onTokenExpiring returning the same token is not asked again in a loop', async () => {
    const token = signToken({ userId: 'hank', role: 'user' }, { expiresInSec: 61 });
    let calls = 0;
    const client = makeClient({
      token,
      tokenRefreshLeadMs: 60_500,
      onTokenExpiring: () => {
        calls++;
        return token;
      },
    });
    await client.connectUser();
    await expect.poll(() => calls, { timeout: 5_000 }).toBe(1);
    for (let i = 0; i < 5; i++) await client.ping();
    expect(calls).toBe(1);
  });

  it('validateEvent: protocolEventValidator drops malformed server events and reports them', async () => {
    const client = makeClient({ validateEvent: protocolEventValidator });
    await client.subscribePrices([BTC]);
    const prices = gw.server.io.of('/prices') as unknown as {
      to(room: string): { emit(event: string, payload: unknown): boolean };
    };
    const seen: string[] = [];
    client.on('price.update', (p) => seen.push(p.price));
    const error = onNext(client, 'error') as Promise<TradingClientError>;
    prices.to(`prices:${BTC}`).emit('price.update', { symbol: BTC, price: 'NaN', seq: 1 });
    expect((await error).code).toBe('INVALID_PAYLOAD');
    const valid = waitFor<PriceUpdate>((l) => client.on('price:BTC/USDT', l));
    await gw.server.broadcastPriceUpdate(BTC, price(42));
    expect((await valid).price).toBe('42');
    expect(seen).toEqual(['42']);
  });

  it('a throwing listener is reported as LISTENER_ERROR and does not break the stream', async () => {
    const client = makeClient();
    await client.subscribePrices([BTC]);
    client.on('price.update', () => {
      throw new Error('app bug');
    });
    const error = onNext(client, 'error') as Promise<TradingClientError>;
    const after = waitFor<PriceUpdate>((l) => client.on('price:BTC/USDT', l));
    await gw.server.broadcastPriceUpdate(BTC, price(2));
    expect((await error).code).toBe('LISTENER_ERROR');
    expect((await after).price).toBe('2');
  });
});

describe('reconnect', () => {
  async function primed() {
    const client = makeClient();
    // seq 1..3 of prices:BTC/USDT; the subscriber gets the latest (seq 3) on subscribe.
    for (const p of [100, 101, 102]) await gw.server.broadcastPriceUpdate(BTC, price(p));
    await gw.server.broadcast.broadcastDepth({
      symbol: BTC,
      type: 'snapshot',
      bids: [['100', '1']],
      asks: [['101', '1']],
    });
    const latest = waitFor<PriceUpdate>((l) => client.on('price:BTC/USDT', l));
    await client.subscribePrices([BTC]);
    expect((await latest).seq).toBe(3);
    await client.subscribeMarket(['ticker'], [BTC]);
    const book = await client.subscribeOrderBook(BTC);
    const gaps: GapEvent[] = [];
    client.on('gap', (g) => gaps.push(g));
    const states: StateChange[] = [];
    client.on('state', (s) => states.push(s));
    return { client, book, gaps, states };
  }

  const reconnected = (client: TradingClient) =>
    waitFor<StateChange>(
      (l) => client.on('state', l),
      (s) => s.state === 'connected' && s.previous === 'reconnecting',
    );

  async function expectRestored(client: TradingClient, book: Awaited<ReturnType<TradingClient['subscribeOrderBook']>>) {
    const server = gw.server;
    await expect.poll(() => book.synced, { timeout: 5_000 }).toBe(true);
    await expect.poll(() => book.bids(), { timeout: 5_000 }).toEqual(server.orderBooks.snapshot(BTC)?.bids ?? []);
    expect(book.asks()).toEqual(server.orderBooks.snapshot(BTC)?.asks ?? []);
    // Every subscription is back: fresh publishes arrive.
    const p = waitFor<PriceUpdate>(
      (l) => client.on('price:BTC/USDT', l),
      (u) => u.price === '777',
    );
    const t = onNext(client, 'market.ticker');
    await expect.poll(() => server.subscriptions.subscriberCount(`prices:${BTC}`), { timeout: 5_000 }).toBe(1);
    await expect.poll(() => server.subscriptions.subscriberCount(`market:ticker:${BTC}`), { timeout: 5_000 }).toBe(1);
    await server.broadcastPriceUpdate(BTC, price(777));
    await server.broadcast.broadcastTicker({ symbol: BTC, bid: 1, ask: 2, last: 1 });
    await p;
    await t;
  }

  it('server-side disconnect: reconnects with backoff, restores everything, reports the gap', async () => {
    const { client, book, gaps, states } = await primed();
    const back = reconnected(client);
    const resync = waitFor<ResyncEvent>((l) => client.on('resync', l));
    const refusals: string[] = [];
    client.on('error', (e) => refusals.push(e.code));
    // Maintenance refuses the reconnect attempts until the missed messages are published.
    gw.server.setMaintenance(true, 'test');
    await gw.server.disconnect({ socketId: gw.server.connections.socketIds({ namespace: '/prices' })[0]! });
    await expect.poll(() => refusals.includes('MAINTENANCE'), { timeout: 5_000 }).toBe(true);
    // Published while the client was away.
    await gw.server.broadcastPriceUpdate(BTC, price(101));
    await gw.server.broadcastPriceUpdate(BTC, price(102));
    await gw.server.broadcast.broadcastDepth({ symbol: BTC, type: 'delta', bids: [['99', '5']], asks: [] });
    expect(client.state).toBe('reconnecting');
    gw.server.setMaintenance(false);
    await back;
    expect(states.some((s) => s.state === 'reconnecting' && s.code === 'DISCONNECTED')).toBe(true);
    expect((await resync).reason).toBe('reconnect');
    await expectRestored(client, book);
    await expect.poll(() => gaps.find((g) => g.room === `prices:${BTC}`), { timeout: 5_000 }).toBeDefined();
    const gap = gaps.find((g) => g.room === `prices:${BTC}`)!;
    expect(gap.expected).toBe(4);
    expect(gap.received).toBe(5);
    expect(gap.cause).toBe('reconnect');
  });

  it('/user: reconnects with auth.since, the server replays what was missed, recovery says so', async () => {
    const client = makeClient({ token: signToken({ userId: 'gina', role: 'user' }) });
    await client.connectUser();
    const filled: string[] = [];
    client.on('order.filled', (o) => filled.push(o.orderId));
    const first = onNext(client, 'order.filled');
    await gw.server.broadcast.broadcastOrderUpdate('gina', filledOrder('o-1'));
    await first;
    const gaps: GapEvent[] = [];
    client.on('gap', (g) => gaps.push(g));
    const recovery = onNext(client, 'recovery') as Promise<{ namespace: string; recovered: boolean }>;
    const refusals: string[] = [];
    client.on('error', (e) => refusals.push(e.code));
    // Maintenance holds the reconnect until the missed event is published.
    gw.server.setMaintenance(true, 'test');
    await gw.server.disconnect({ userId: 'gina' });
    await expect.poll(() => refusals.includes('MAINTENANCE'), { timeout: 5_000 }).toBe(true);
    await gw.server.broadcast.broadcastOrderUpdate('gina', filledOrder('o-missed'));
    gw.server.setMaintenance(false);
    expect(await recovery).toEqual({ namespace: '/user', recovered: true });
    const next = waitFor<{ orderId: string }>(
      (l) => client.on('order.filled', l),
      (o) => o.orderId === 'o-3',
    );
    await gw.server.broadcast.broadcastOrderUpdate('gina', filledOrder('o-3'));
    await next;
    expect(filled).toEqual(['o-1', 'o-missed', 'o-3']);
    expect(gaps).toEqual([]);
  });

  it('/user: when the server cannot replay (history gone), recovered is false and the gap is reported', async () => {
    await gw.restart(); // a fresh server with an empty history: nothing to replay
    const client = makeClient({ token: signToken({ userId: 'ivan', role: 'user' }) });
    await client.connectUser();
    const first = onNext(client, 'order.filled');
    await gw.server.broadcast.broadcastOrderUpdate('ivan', filledOrder('o-1'));
    await gw.server.broadcast.broadcastOrderUpdate('ivan', filledOrder('o-2'));
    await first;
    const gaps: GapEvent[] = [];
    client.on('gap', (g) => gaps.push(g));
    const recovery = onNext(client, 'recovery') as Promise<{ namespace: string; recovered: boolean }>;
    await gw.restart(); // the seqs and history of the old server are gone
    expect(await recovery).toEqual({ namespace: '/user', recovered: false });
    const next = onNext(client, 'order.filled');
    await gw.server.broadcast.broadcastOrderUpdate('ivan', filledOrder('o-3'));
    await next;
    expect(gaps).toEqual([{ room: 'orders:ivan', expected: 3, received: 1, cause: 'reconnect' }]);
  });

  it('dropped TCP connection: reconnects and restores', async () => {
    const { client, book, states } = await primed();
    const back = reconnected(client);
    gw.dropConnections();
    await gw.server.broadcast.broadcastDepth({ symbol: BTC, type: 'delta', bids: [], asks: [['102', '2']] });
    await back;
    expect(states.find((s) => s.state === 'reconnecting')?.code).toBe('DISCONNECTED');
    await expectRestored(client, book);
  });

  it('server restart on the same port: reconnects, restores, resyncs the book to the new server', async () => {
    const { client, book, gaps } = await primed();
    const back = reconnected(client);
    const resync = waitFor<ResyncEvent>((l) => client.on('resync', l));
    await gw.restart();
    await gw.server.broadcast.broadcastDepth({
      symbol: BTC,
      type: 'snapshot',
      bids: [['200', '1']],
      asks: [['201', '1']],
    });
    await back;
    await resync;
    await expectRestored(client, book);
    expect(book.bestBid()).toEqual(['200', '1']);
    // The new server's sequence restarted: reported as a gap with received < expected.
    await expect.poll(() => gaps.some((g) => g.room === `prices:${BTC}` && g.received < g.expected)).toBe(true);
  });
});

describe('close', () => {
  it('a Node script that uses the client exits by itself after close()', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const script = fileURLToPath(new URL('./fixtures/exits-after-close.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@ws/source', script], {
      env: { ...process.env, WS_URL: gw.url, SYMBOLS: SYMBOLS.join(',') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`script did not exit by itself:\n${out}`));
      }, 20_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out).toContain('subscribed');
    expect(code).toBe(0);
  });
});
