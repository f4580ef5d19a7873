import { bookChecksum, type MarketDepth, OrderBookState, SNAPSHOT_DEPTH_COST } from '@ws/protocol';
import { connected, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const LEVELS = 5000;
const side = (base: number, step: number): [string, string][] =>
  Array.from({ length: LEVELS }, (_, i) => [String(base + step * i), String((i % 9) + 1)]);

type SnapshotAck = { ok: true; depth: MarketDepth } | { ok: false; error: { code: string; retryAfterMs?: number } };

describe('market.snapshot on a 5 000-level book', () => {
  it('is built and encoded once per book version and depth, bounded, and verifiable by its checksum', async () => {
    server = await startServer({ rateLimit: false });
    const s = server;
    await s.server.broadcast.broadcastDepth({
      symbol: 'BTC/USDT',
      type: 'snapshot',
      bids: side(100_000, -1),
      asks: side(100_001, 1),
    });
    const clients = Array.from({ length: 4 }, () => s.connect('/market'));
    await Promise.all(clients.map((c) => connected(c)));
    const before = s.server.orderBooks.snapshotEncodings;

    const acks: SnapshotAck[] = [];
    for (let round = 0; round < 5; round++) {
      acks.push(
        ...(await Promise.all(clients.map((c) => request<SnapshotAck>(c, 'market.snapshot', { symbol: 'BTC/USDT' })))),
      );
    }
    // Twenty requests, one encoding: the same bytes served every requester.
    expect(s.server.orderBooks.snapshotEncodings - before).toBe(1);
    const first = acks[0]!;
    if (!first.ok) throw new Error('snapshot refused');
    expect(acks.every((a) => JSON.stringify(a) === JSON.stringify(first))).toBe(true);
    // The default depth, not the whole book; the checksum (top 25) verifies against the levels sent.
    expect(first.depth.bids).toHaveLength(100);
    expect(first.depth.asks).toHaveLength(100);
    expect(first.depth.checksum).toBe(bookChecksum(first.depth.bids, first.depth.asks));

    const deep = await request<SnapshotAck>(clients[0]!, 'market.snapshot', { symbol: 'BTC/USDT', depth: 1000 });
    expect(deep.ok && deep.depth.bids.length).toBe(1000);
    expect(s.server.orderBooks.snapshotEncodings - before).toBe(2);
    expect(await request<SnapshotAck>(clients[1]!, 'market.snapshot', { symbol: 'BTC/USDT', depth: 1000 })).toEqual(
      deep,
    );
    expect(s.server.orderBooks.snapshotEncodings - before).toBe(2);

    // A new book version is a new encoding, with the new seq.
    const delta = await s.server.broadcast.broadcastDepth({
      symbol: 'BTC/USDT',
      type: 'delta',
      bids: [['100000', '0']],
      asks: [],
    });
    const after = await request<SnapshotAck>(clients[2]!, 'market.snapshot', { symbol: 'BTC/USDT' });
    expect(s.server.orderBooks.snapshotEncodings - before).toBe(3);
    expect(after.ok && after.depth.seq).toBe(delta.seq);
    expect(after.ok && after.depth.bids[0]).toEqual(['99999', '2']);

    // A depth outside the steps is refused.
    const odd = await request<SnapshotAck>(clients[3]!, 'market.snapshot', { symbol: 'BTC/USDT', depth: 7 });
    expect(odd).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
  });

  it('the subscribe snapshot is bounded too, and a local book built from it keeps verifying the deltas', async () => {
    server = await startServer({ rateLimit: false });
    const s = server;
    await s.server.broadcast.broadcastDepth({
      symbol: 'ETH/USDT',
      type: 'snapshot',
      bids: side(10_000, -1),
      asks: side(10_001, 1),
    });
    const client = s.connect('/market');
    await connected(client);
    const depth: MarketDepth[] = [];
    client.on('market.depth', (d) => depth.push(d));
    await request(client, 'subscribe', { channels: ['depth'], symbols: ['ETH/USDT'] });
    await expect.poll(() => depth.length, { timeout: 10_000 }).toBe(1);
    expect(depth[0]!.bids).toHaveLength(1000);
    const last = await s.server.broadcast.broadcastDepth({
      symbol: 'ETH/USDT',
      type: 'delta',
      bids: [
        ['10000', '0'],
        ['9999', '0'],
      ],
      asks: [['10001', '5']],
    });
    await expect.poll(() => depth.length, { timeout: 10_000 }).toBe(2);
    const book = new OrderBookState('ETH/USDT');
    book.applySnapshot(depth[0]!.bids, depth[0]!.asks);
    book.applyDelta(depth[1]!.bids, depth[1]!.asks);
    expect(depth[1]!.prevSeq).toBe(depth[0]!.seq);
    expect(book.checksum()).toBe(last.checksum);
  });

  it('is charged by the levels it sends: a deep snapshot costs many points, a ping one', async () => {
    // A long window, so no refill can race the test: the budget is exactly what is charged.
    server = await startServer({
      rateLimit: { namespaces: { '/market': { points: 100, durationSec: 3600 } } as never, blockDurationSec: 0 },
    });
    const s = server;
    await s.server.broadcast.broadcastDepth({
      symbol: 'BTC/USDT',
      type: 'snapshot',
      bids: side(1000, -0.01),
      asks: [],
    });
    const client = s.connect('/market');
    await connected(client);
    expect(SNAPSHOT_DEPTH_COST[1000]).toBe(50);
    const deep = () => request<SnapshotAck>(client, 'market.snapshot', { symbol: 'BTC/USDT', depth: 1000 });
    // 1 point is charged on arrival, the rest once the request is known valid: 50 in all.
    expect((await deep()).ok).toBe(true);
    expect((await request<{ ok: boolean }>(client, 'ping', {})).ok).toBe(true);
    // 51 spent; the next deep snapshot (50 more) does not fit in 100.
    const refused = await deep();
    expect(refused).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });
});
