import { NAMESPACE_NAMES, type PriceUpdate, type SystemMessage } from '@ws/protocol';
import { connected, nextEvent, refused, request } from '@ws/test-support';
import { redisNodes, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it, vi } from 'vitest';

const servers = redisNodes();
afterEach(() => servers.close());

async function twoNodes(limits: { maxChannelsPerUser?: number } = {}): Promise<[TestServer, TestServer]> {
  const nodes = [await servers.start({ nodeId: 'node-a', limits }), await servers.start({ nodeId: 'node-b', limits })];
  // The adapters subscribe asynchronously; wait until every namespace on each node sees both nodes.
  for (const n of nodes) {
    for (const ns of NAMESPACE_NAMES) {
      await expect.poll(() => n.server.io.of(ns).adapter.serverCount(), { timeout: 10_000 }).toBe(2);
    }
  }
  return nodes as [TestServer, TestServer];
}

describe('two nodes over the Redis adapter', () => {
  it('a broadcast on one node reaches subscribers on the other', async () => {
    const [a, b] = await twoNodes();
    const client = b.connect('/prices');
    await connected(client);
    await request(client, 'subscribe', { symbols: ['BTC/USDT'] });
    const got: PriceUpdate[] = [];
    client.on('price.update', (u) => got.push(u));
    // Node B's Redis subscriptions complete asynchronously after startup: publish until the first one lands.
    await vi.waitFor(
      async () => {
        if (got.length === 0)
          await a.server.broadcastPriceUpdate('BTC/USDT', { price: 42, bid: 41, ask: 43, volume: 1 });
        expect(got.length).toBeGreaterThan(0);
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(got[0]).toMatchObject({ symbol: 'BTC/USDT', price: '42', bid: '41', ask: '43' });
    const seq = got.at(-1)!.seq;
    await a.server.broadcastPriceUpdate('BTC/USDT', { price: 43, bid: 42, ask: 44, volume: 1 });
    await expect.poll(() => got.at(-1)?.seq).toBe(seq + 1);
  });

  it('disconnect by user and maintenance mode act cluster-wide', async () => {
    const [a, b] = await twoNodes();
    const token = await a.token({ userId: 'carol' });
    const onA = a.connect('/user', { token });
    const onB = b.connect('/prices', { token });
    await Promise.all([connected(onA), connected(onB)]);
    const gone = Promise.all([
      new Promise((r) => onA.once('disconnect', r)),
      new Promise((r) => onB.once('disconnect', r)),
    ]);
    expect(await a.server.disconnect({ userId: 'carol' })).toBe(2);
    await gone;

    const watcher = b.connect('/market');
    await connected(watcher);
    const told = nextEvent<SystemMessage>(watcher, 'system.message');
    a.server.setMaintenance(true, 'cluster upgrade');
    expect(await told).toMatchObject({ type: 'maintenance', message: 'cluster upgrade' });
    await expect.poll(() => b.server.maintenance.enabled).toBe(true);
    expect((await refused(b.connect('/prices'))).data).toMatchObject({ code: 'MAINTENANCE' });
  });

  it('maxChannelsPerUser holds across nodes and is given back on unsubscribe and disconnect', async () => {
    const [a, b] = await twoNodes({ maxChannelsPerUser: 3 });
    const token = await a.token({ userId: 'dave' });
    const onA = a.connect('/prices', { token });
    const onB = b.connect('/market', { token });
    await Promise.all([connected(onA), connected(onB)]);
    expect(await request(onA, 'subscribe', { symbols: ['BTC/USDT', 'ETH/USDT'] })).toMatchObject({ ok: true });
    expect(await request(onB, 'subscribe', { channels: ['depth', 'ticker'], symbols: ['BTC/USDT'] })).toMatchObject({
      ok: false,
      error: { code: 'LIMIT_EXCEEDED' },
    });
    expect(b.server.subscriptions.rooms(onB.id!)).toEqual([]);
    // Idempotent re-subscribe reserves nothing.
    expect(await request(onA, 'subscribe', { symbols: ['BTC/USDT'] })).toMatchObject({ ok: true });
    expect(await request(onB, 'subscribe', { channels: ['depth'], symbols: ['BTC/USDT'] })).toMatchObject({ ok: true });
    expect(await request(onA, 'unsubscribe', { symbols: ['ETH/USDT'] })).toMatchObject({ ok: true });
    expect(await request(onB, 'subscribe', { channels: ['ticker'], symbols: ['BTC/USDT'] })).toMatchObject({
      ok: true,
    });
    onA.disconnect();
    await expect
      .poll(
        async () =>
          (await request<{ ok: boolean }>(onB, 'subscribe', { channels: ['stats'], symbols: ['BTC/USDT'] })).ok,
      )
      .toBe(true);
    // Another user is unaffected.
    const eve = b.connect('/prices', { token: await b.token({ userId: 'eve' }) });
    await connected(eve);
    expect(await request(eve, 'subscribe', { symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'] })).toMatchObject({
      ok: true,
    });
  });
});
