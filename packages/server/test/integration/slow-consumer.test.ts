import type { MarketDepth, MarketTicker } from '@ws/protocol';
import { connected, request } from '@ws/test-support';
import { startServer, type TestClient, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The client's TCP socket: pausing it makes the client stop reading, like a stalled browser tab. */
function tcp(client: TestClient): { pause(): void; resume(): void; destroy(): void } {
  return (
    client.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void; destroy(): void } } }
  ).ws._socket;
}

const tick = () => new Promise<void>((r) => setImmediate(r));
const levels = (base: number, n: number, qty: number): [string, string][] =>
  Array.from({ length: n }, (_, i) => [String(base + i), String(qty)]);

describe('slow consumers', () => {
  it('over the soft mark conflates to the latest state; nothing older follows newer; other clients get everything', async () => {
    server = await startServer({
      // Conflation, not the stall limit, is under test here.
      slowConsumer: { softBytes: 64 * 1024, hardBytes: 64 * 1024 * 1024, checkIntervalMs: 10, maxOverSoftMs: 600_000 },
    });
    const s = server;
    const slow = s.connect('/market');
    const fast = s.connect('/market');
    await Promise.all([connected(slow), connected(fast)]);
    const publishDepth = (i: number) =>
      s.server.broadcast.broadcastDepth({
        symbol: 'BTC/USDT',
        type: i === 0 ? 'snapshot' : 'delta',
        bids: levels(1000, 100, (i % 7) + 1),
        asks: levels(2000, 100, (i % 5) + 1),
      });
    const publishTicker = (i: number) =>
      s.server.broadcast.broadcastTicker({ symbol: 'BTC/USDT', bid: 99 + i, ask: 101 + i, last: 100 + i });
    await publishDepth(0);
    for (const c of [slow, fast])
      await request(c, 'subscribe', { channels: ['depth', 'ticker'], symbols: ['BTC/USDT'] });
    const slowDepth: MarketDepth[] = [];
    const slowTicker: MarketTicker[] = [];
    const fastDepth: MarketDepth[] = [];
    slow.on('market.depth', (d) => slowDepth.push(d));
    slow.on('market.ticker', (t) => slowTicker.push(t));
    fast.on('market.depth', (d) => fastDepth.push(d));

    tcp(slow).pause();
    const socketId = slow.id!;
    let i = 1;
    while (!s.server.slowConsumers?.isConflating(socketId) && i < 20_000) {
      await publishDepth(i);
      await publishTicker(i);
      i++;
      if (i % 20 === 0) await tick();
    }
    expect(s.server.slowConsumers?.isConflating(socketId)).toBe(true);
    const serverSocket = s.server.namespace('/market').sockets.get(socketId)!;
    const queuedAtPause = s.server.slowConsumers!.queuedBytes(serverSocket as never)!;
    // Paused: the market keeps moving but nothing more is queued for this client.
    for (let k = 0; k < 300; k++) {
      await publishDepth(i);
      await publishTicker(i);
      i++;
    }
    expect(s.server.slowConsumers!.queuedBytes(serverSocket as never)!).toBeLessThanOrEqual(queuedAtPause + 1024);

    tcp(slow).resume();
    await expect.poll(() => s.server.slowConsumers?.isConflating(socketId), { timeout: 20_000 }).toBe(false);
    const lastDepth = await publishDepth(i);
    const lastTicker = await publishTicker(i);
    await expect.poll(() => slowDepth.at(-1)?.seq, { timeout: 20_000 }).toBe(lastDepth.seq);
    await expect.poll(() => slowTicker.at(-1)?.seq, { timeout: 20_000 }).toBe(lastTicker.seq);
    for (const stream of [slowDepth, slowTicker]) {
      for (let k = 1; k < stream.length; k++) expect(stream[k]!.seq).toBeGreaterThan(stream[k - 1]!.seq);
    }
    // The depth stream resumed from a fresh snapshot, and every later delta chains onto it.
    const resumedAt = slowDepth.findIndex((d, k) => k > 0 && d.type === 'snapshot');
    expect(resumedAt).toBeGreaterThan(0);
    for (let k = resumedAt + 1; k < slowDepth.length; k++) expect(slowDepth[k]!.prevSeq).toBe(slowDepth[k - 1]!.seq);
    expect(slowDepth.at(-1)?.checksum).toBe(lastDepth.checksum);
    // The other client got every message, in order.
    await expect.poll(() => fastDepth.at(-1)?.seq, { timeout: 20_000 }).toBe(lastDepth.seq);
    const first = fastDepth[0]!.seq;
    expect(fastDepth.map((d) => d.seq)).toEqual(Array.from({ length: lastDepth.seq - first + 1 }, (_, k) => first + k));
  });

  it('forgets a conflated client once it is gone', async () => {
    server = await startServer({
      slowConsumer: { softBytes: 16 * 1024, hardBytes: 64 * 1024 * 1024, checkIntervalMs: 10, maxOverSoftMs: 600_000 },
    });
    const s = server;
    const slow = s.connect('/market');
    await connected(slow);
    await request(slow, 'subscribe', { channels: ['depth'], symbols: ['BTC/USDT'] });
    tcp(slow).pause();
    const socketId = slow.id!;
    for (let i = 0; i < 20_000 && !s.server.slowConsumers?.isConflating(socketId); i++) {
      await s.server.broadcast.broadcastDepth({
        symbol: 'BTC/USDT',
        type: 'snapshot',
        bids: levels(1000, 100, (i % 7) + 1),
        asks: levels(2000, 100, (i % 5) + 1),
      });
      if (i % 20 === 0) await tick();
    }
    expect(s.server.slowConsumers?.conflating).toBe(1);
    tcp(slow).destroy();
    await expect.poll(() => s.server.slowConsumers?.conflating, { timeout: 10_000 }).toBe(0);
  });

  it('over the hard mark a /user client is disconnected with SLOW_CONSUMER and counted; private events are never conflated', async () => {
    server = await startServer({ slowConsumer: { softBytes: 16 * 1024, hardBytes: 256 * 1024, checkIntervalMs: 10 } });
    const s = server;
    const client = s.connect('/user', { token: await s.token({ userId: 'slowpoke' }) });
    await connected(client);
    const socketId = client.id!;
    const serverSocket = s.server.namespace('/user').sockets.get(socketId)!;
    const gone = new Promise<string>((resolve) => serverSocket.once('disconnect', resolve));
    tcp(client).pause();
    let disconnected = false;
    void gone.then(() => {
      disconnected = true;
    });
    let n = 0;
    while (!disconnected && n < 50_000) {
      await s.server.broadcast.broadcastOrderUpdate('slowpoke', {
        orderId: `o-${n}`,
        clientOrderId: 'x'.repeat(100),
        symbol: 'BTC/USDT',
        side: 'buy',
        type: 'limit',
        price: 1,
        quantity: 1,
        filledQuantity: 0,
        status: 'new',
      });
      n++;
      if (n % 20 === 0) await tick();
    }
    expect(await gone).toBe('server namespace disconnect');
    expect(s.server.slowConsumers?.isConflating(socketId)).toBe(false);
    const metrics = await s.server.exportPrometheusMetrics();
    expect(metrics).toMatch(/code="SLOW_CONSUMER"[^\n]*\} 1/);
    tcp(client).resume();
  });

  it.each(['/market', '/prices'] as const)(
    'a %s reader that stops reading stays over the soft mark and is disconnected with SLOW_CONSUMER, counted, though under the hard mark',
    async (namespace) => {
      // A tiny stall limit: the first check after conflation starts finds it exceeded, whatever the machine's speed.
      server = await startServer({
        slowConsumer: { softBytes: 16 * 1024, hardBytes: 64 * 1024 * 1024, checkIntervalMs: 10, maxOverSoftMs: 1 },
      });
      const s = server;
      const reader = s.connect(namespace);
      await connected(reader);
      if (namespace === '/market') {
        await request(reader, 'subscribe', { channels: ['depth', 'ticker'], symbols: ['BTC/USDT'] });
      } else await request(reader, 'subscribe', { symbols: ['BTC/USDT'] });
      const socketId = reader.id!;
      const serverSocket = s.server.namespace(namespace).sockets.get(socketId)!;
      let reason: string | undefined;
      serverSocket.once('disconnect', (r) => {
        reason = r;
      });
      const clientGone = new Promise<string>((resolve) => reader.once('disconnect', resolve));
      tcp(reader).pause();
      let maxQueued = 0;
      for (let i = 0; reason === undefined && i < 50_000; i++) {
        if (namespace === '/market') {
          await s.server.broadcast.broadcastDepth({
            symbol: 'BTC/USDT',
            type: 'snapshot',
            bids: levels(1000, 100, (i % 7) + 1),
            asks: levels(2000, 100, (i % 5) + 1),
          });
        } else {
          await s.server.broadcast.broadcastPriceUpdate('BTC/USDT', {
            price: 100 + i,
            bid: 99 + i,
            ask: 101 + i,
            volume: 1000 + i,
          });
        }
        if (serverSocket.connected)
          maxQueued = Math.max(maxQueued, s.server.slowConsumers!.queuedBytes(serverSocket as never)!);
        if (i % 20 === 0) await tick();
      }
      expect(reason).toBe('server namespace disconnect');
      // Conflation had held it far under the hard mark: only the stall limit could have cut it.
      expect(maxQueued).toBeLessThan(64 * 1024 * 1024);
      expect(s.server.slowConsumers?.isConflating(socketId)).toBe(false);
      expect(await s.server.exportPrometheusMetrics()).toMatch(/code="SLOW_CONSUMER"[^\n]*\} 1/);
      tcp(reader).resume();
      expect(await clientGone).toMatch(/transport close|io server disconnect/);
    },
  );
});
