import { performance } from 'node:perf_hooks';
import { WebSocketMetrics } from '@ws/metrics';
import { connected, nextEvent, request } from '@ws/test-support';
import { redisNodes, startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemorySequenceStore, type SequenceStore } from '../../src/state/sequence-store.js';

/** A sequence store that answers each `next` only after `delayMs`: a node made to queue before it writes. */
class DelayedSequenceStore implements SequenceStore {
  private readonly inner = new MemorySequenceStore();
  constructor(private readonly delayMs: number) {}
  next(room: string): Promise<number> {
    const seq = this.inner.next(room);
    return new Promise((resolve) => setTimeout(() => resolve(seq), this.delayMs));
  }
  current(room: string): number {
    return this.inner.current(room);
  }
}

/** `ws_broadcast_latency_seconds_count` of a namespace: one per recipient whose frame was written. */
async function latencyCount(metrics: WebSocketMetrics, namespace: string): Promise<number> {
  const text = await metrics.exportPrometheusMetrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`ws_broadcast_latency_seconds_count{namespace="${namespace}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Holds the event loop: nothing this process received meanwhile is handled before the end.
  }
}

const price = { price: 50_000, bid: 49_999, ask: 50_001, volume: 1_234_567 };

describe('propagation latency (getMetrics().latency)', () => {
  let server: TestServer | undefined;
  const metricsToClose: WebSocketMetrics[] = [];
  const cluster = redisNodes('latency');

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await cluster.close();
    for (const m of metricsToClose.splice(0)) m.close();
  });

  it('counts the time a node queued a message before writing it, once per recipient, and skips rooms nobody is in', async () => {
    const metrics = new WebSocketMetrics();
    metricsToClose.push(metrics);
    const DELAY_MS = 60;
    server = await startServer({ metrics, sequenceStore: new DelayedSequenceStore(DELAY_MS) });
    const clients = [server.connect('/prices'), server.connect('/prices')];
    for (const c of clients) {
      await connected(c);
      expect(await request(c, 'subscribe', { symbols: ['BTC/USDT'] })).toMatchObject({ ok: true });
    }
    const received = clients.map((c) => nextEvent(c, 'price.update'));
    // Nobody subscribed to ETH/USDT: that broadcast must not count.
    await server.server.broadcast.broadcastPriceUpdate('ETH/USDT', price);
    await server.server.broadcast.broadcastPriceUpdate('BTC/USDT', price);
    await Promise.all(received);
    await vi.waitFor(async () => expect(await latencyCount(metrics, '/prices')).toBe(2));
    const { latency } = metrics.getMetrics();
    // The server sat on the message for DELAY_MS before writing it: the figure must say so.
    expect(latency.p50).toBeGreaterThanOrEqual(DELAY_MS);
    expect(latency.avg).toBeGreaterThanOrEqual(DELAY_MS);
  });

  it('times a frame Engine.IO queued (long-polling) when its transport writes it', async () => {
    const metrics = new WebSocketMetrics();
    metricsToClose.push(metrics);
    server = await startServer({ metrics, sequenceStore: new DelayedSequenceStore(30) });
    const client = server.connect('/prices', { transports: ['polling'] });
    await connected(client);
    expect(await request(client, 'subscribe', { symbols: ['SOL/USDT'] })).toMatchObject({ ok: true });
    const received = nextEvent(client, 'price.update');
    await server.server.broadcast.broadcastPriceUpdate('SOL/USDT', price);
    await received;
    await vi.waitFor(async () => expect(await latencyCount(metrics, '/prices')).toBe(1));
    expect(metrics.getMetrics().latency.p50).toBeGreaterThanOrEqual(30);
  });

  it('on another node, counts from the publishing node’s publish time, across the Redis hop', async () => {
    const publisherMetrics = new WebSocketMetrics();
    const receiverMetrics = new WebSocketMetrics();
    metricsToClose.push(publisherMetrics, receiverMetrics);
    const publisher = await cluster.start({ metrics: publisherMetrics });
    const receiver = await cluster.start({ metrics: receiverMetrics });
    const client = receiver.connect('/prices');
    await connected(client);
    expect(await request(client, 'subscribe', { symbols: ['XRP/USDT'] })).toMatchObject({ ok: true });
    const received = nextEvent(client, 'price.update');
    const HOLD_MS = 80;
    const published = publisher.server.broadcast.broadcastPriceUpdate('XRP/USDT', price);
    // The bus message cannot be handled by the receiving node (same process) before this ends.
    busyWait(HOLD_MS);
    await published;
    await received;
    await vi.waitFor(async () => expect(await latencyCount(receiverMetrics, '/prices')).toBe(1));
    expect(receiverMetrics.getMetrics().latency.p50).toBeGreaterThanOrEqual(HOLD_MS);
    // The publishing node had nobody subscribed: nothing to count there.
    expect(await latencyCount(publisherMetrics, '/prices')).toBe(0);
  });

  it('records Engine.IO heartbeat round trips as ws_ping_rtt_seconds and getMetrics().pingRtt', async () => {
    const metrics = new WebSocketMetrics();
    metricsToClose.push(metrics);
    server = await startServer({ metrics, pingIntervalMs: 50, pingTimeoutMs: 20_000 });
    const client = server.connect('/prices');
    await connected(client);
    await vi.waitFor(
      async () => {
        const text = await metrics.exportPrometheusMetrics();
        expect(Number(/^ws_ping_rtt_seconds_count (\d+)/m.exec(text)?.[1] ?? 0)).toBeGreaterThanOrEqual(2);
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(metrics.getMetrics().pingRtt?.avg).toBeGreaterThan(0);
  });
});
