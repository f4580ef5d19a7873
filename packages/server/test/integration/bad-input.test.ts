import { connected, nextEvent, request } from '@ws/test-support';
import { startServer, type TestClient, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySnapshotStore } from '../../src/state/snapshot-store.js';

let ts: TestServer;
afterEach(async () => {
  await ts?.close();
});

type Raw = { emit(event: string, ...args: unknown[]): void };
const raw = (c: TestClient) => c as unknown as Raw;

async function expectServerHealthy(ts: TestServer): Promise<void> {
  const probe = ts.connect('/prices');
  await connected(probe);
  expect(await request(probe, 'subscribe', { symbols: ['BTC/USDT'] })).toMatchObject({ ok: true });
  probe.disconnect();
}

describe('bad input', () => {
  it('wrong types and missing fields answer INVALID_PAYLOAD with details and change nothing', async () => {
    ts = await startServer();
    const c = ts.connect('/prices');
    await connected(c);
    for (const payload of [
      { symbols: 'BTC/USDT' },
      {},
      { symbols: [] },
      { symbols: [42] },
      { symbols: ['btc/usdt'] },
      { symbols: ['BTC/USDT'], extra: true },
      null,
      'BTC/USDT',
      [['BTC/USDT']],
    ]) {
      const ack = await request<{ ok: false; error: { code: string; details?: unknown[] } }>(c, 'subscribe', payload);
      expect(ack.ok).toBe(false);
      expect(ack.error.code).toBe('INVALID_PAYLOAD');
      expect(ack.error.details?.length).toBeGreaterThan(0);
    }
    expect(ts.server.subscriptions.rooms(c.id!)).toEqual([]);
    expect(c.connected).toBe(true);
  });

  it('__proto__ and constructor keys are refused and pollute nothing', async () => {
    ts = await startServer();
    const c = ts.connect('/market');
    await connected(c);
    const poisoned = [
      JSON.parse('{"channels":["depth"],"symbols":["BTC/USDT"],"__proto__":{"polluted":true}}'),
      JSON.parse('{"channels":["depth"],"symbols":["BTC/USDT"],"constructor":{"prototype":{"polluted":true}}}'),
      JSON.parse('{"__proto__":{"channels":["depth"],"symbols":["BTC/USDT"]}}'),
    ];
    for (const payload of poisoned) {
      expect(await request(c, 'subscribe', payload)).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(ts.server.subscriptions.rooms(c.id!)).toEqual([]);
  });

  it('binary attachments are refused', async () => {
    ts = await startServer();
    const c = ts.connect('/prices');
    await connected(c);
    expect(await request(c, 'subscribe', Buffer.from('BTC/USDT'))).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
    expect(await request(c, 'subscribe', { symbols: ['BTC/USDT'], blob: new Uint8Array([1, 2, 3]) })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
    expect(ts.server.subscriptions.rooms(c.id!)).toEqual([]);
  });

  it('unknown events answer NOT_FOUND (ack) or an error event (no ack)', async () => {
    ts = await startServer();
    const c = ts.connect('/prices');
    await connected(c);
    expect(await request(c, 'hack', { x: 1 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(c, 'market.snapshot', { symbol: 'BTC/USDT' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    const err = nextEvent<{ code: string; event: string }>(c, 'error');
    raw(c).emit('x'.repeat(500), {});
    expect(await err).toMatchObject({ code: 'NOT_FOUND', event: 'x'.repeat(64) });
  });

  it('a non-function ack or extra arguments are refused; without an ack the error comes as an `error` event', async () => {
    ts = await startServer();
    const c = ts.connect('/prices');
    await connected(c);
    const err = nextEvent<{ code: string; event: string }>(c, 'error');
    raw(c).emit('subscribe', { symbols: ['BTC/USDT'] }, 'not-a-function');
    expect(await err).toMatchObject({ code: 'INVALID_PAYLOAD', event: 'subscribe' });
    expect(await request(c, 'ping', {}, {})).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(ts.server.subscriptions.rooms(c.id!)).toEqual([]);
  });

  it('frames above maxHttpBufferSize (1 MiB strings, 10 000-element arrays) drop the connection; the server stays up', async () => {
    ts = await startServer();
    for (const payload of [{ symbols: ['A'.repeat(1024 * 1024)] }, { symbols: Array(10_000).fill('BTC/USDT') }]) {
      const c = ts.connect('/prices');
      await connected(c);
      const gone = new Promise<string>((resolve) => c.once('disconnect', resolve));
      raw(c).emit('subscribe', payload, () => undefined);
      expect(await gone).toBe('transport close');
    }
    expect(ts.server.subscriptions.stats().subscriptions).toBe(0);
    await expectServerHealthy(ts);
  });

  it('with a larger frame limit the schema still bounds strings and arrays', async () => {
    ts = await startServer({ maxHttpBufferSize: 2 * 1024 * 1024 });
    const c = ts.connect('/prices');
    await connected(c);
    expect(await request(c, 'subscribe', { symbols: ['A'.repeat(1024 * 1024)] })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
    const huge = await request<{ ok: false; error: { message: string } }>(c, 'subscribe', {
      symbols: Array(10_000).fill('BTC/USDT'),
    });
    expect(huge).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(huge.error.message.length).toBeLessThanOrEqual(1000);
    expect(ts.server.subscriptions.rooms(c.id!)).toEqual([]);
  });

  it('a failing handler answers INTERNAL, is counted, and the server keeps serving', async () => {
    const broken = new MemorySnapshotStore();
    broken.get = () => {
      throw new Error('store down');
    };
    ts = await startServer({ snapshotStore: broken });
    const c = ts.connect('/prices');
    await connected(c);
    const before = ts.server.getMetrics().errors.total;
    expect(await request(c, 'subscribe', { symbols: ['BTC/USDT'] })).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'internal error' },
    });
    expect(ts.server.getMetrics().errors.total).toBe(before + 1);
    expect(await request(c, 'ping', {})).toMatchObject({ ok: true });
  });
});
