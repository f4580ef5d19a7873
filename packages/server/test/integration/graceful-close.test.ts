import type { PriceUpdate, SystemMessage } from '@ws/protocol';
import { connected, refused, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from '../../src/websocket-server.js';

let ts: TestServer;
afterEach(async () => {
  await ts?.close();
});

describe('graceful close', () => {
  it('flushes in-flight messages, tells everyone to reconnect with a jittered delay, then disconnects all', async () => {
    // Every update must arrive: no overload conflation for this burst.
    ts = await startServer({ shutdown: { deadlineMs: 5_000, reconnectJitterMs: 1_000 }, overloadTurnBudgetMs: 0 });
    const admin = ts.connect('/admin', { token: await ts.token({ userId: 'root', role: 'admin' }) });
    const user = ts.connect('/user', { token: await ts.token({ userId: 'u1' }) });
    const prices = ts.connect('/prices');
    await Promise.all([connected(admin), connected(user), connected(prices)]);
    await request(prices, 'subscribe', { symbols: ['BTC/USDT'] });

    const updates: PriceUpdate[] = [];
    prices.on('price.update', (u) => updates.push(u));
    const messages = new Map<unknown, SystemMessage[]>();
    const disconnects: string[] = [];
    for (const c of [admin, user, prices]) {
      messages.set(c, []);
      c.on('system.message', (m) => {
        // Every update published before close() arrives before the reconnect notice.
        if (c === prices) expect(updates).toHaveLength(200);
        messages.get(c)!.push(m);
      });
      c.on('disconnect', (reason) => disconnects.push(reason));
    }
    for (let i = 0; i < 200; i++)
      void ts.server.broadcastPriceUpdate('BTC/USDT', { price: i + 1, bid: i + 1, ask: i + 1, volume: 1 });
    const closing = ts.server.close();
    expect(ts.server.close()).toBe(closing);
    await closing;
    await expect.poll(() => disconnects.length).toBe(3);
    expect(updates.map((u) => u.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const list of messages.values()) {
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ type: 'reconnect' });
      expect(list[0]!.reconnectAfterMs).toBeGreaterThanOrEqual(0);
      expect(list[0]!.reconnectAfterMs).toBeLessThanOrEqual(1_000);
    }
    expect(ts.httpServer.listening).toBe(false);
  });

  it('refuses new connections once closing and is idempotent after completion', async () => {
    ts = await startServer();
    await ts.server.close();
    const late = ts.connect('/prices');
    const err = await refused(late);
    expect(err).toBeInstanceOf(Error);
    await ts.server.close();
  });

  it('getInstance() is process-wide until closed, and a closed instance is replaced', async () => {
    const a = WebSocketServer.getInstance();
    expect(WebSocketServer.getInstance()).toBe(a);
    // Using a server before initialize() is a programming error: a plain Error, not a wire error.
    expect(() => a.broadcastPriceUpdate('BTC/USDT', { price: 1, bid: 1, ask: 1, volume: 1 })).toThrow(
      /call initialize\(\) before using the server/,
    );
    await a.close();
    expect(WebSocketServer.getInstance()).not.toBe(a);
    await WebSocketServer.getInstance().close();
  });
});
