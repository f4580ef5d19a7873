import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PriceUpdate } from '@ws/protocol';
import { nextEvent, request, TEST_SECRET } from '@ws/test-support';
import { io as connectClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { websocketBroadcast } from '../../src/websocket-broadcast-facade.js';
import { WebSocketServer } from '../../src/websocket-server.js';

afterEach(async () => {
  await WebSocketServer.getInstance().close();
});

describe('WebSocketServer.getInstance() and websocketBroadcast', () => {
  it('services publish through the process-wide instance once it is initialized', async () => {
    // Before initialize() it is a programming error (a plain Error), not a wire error.
    expect(() => websocketBroadcast.broadcastPriceUpdate('BTC/USDT', { price: 1, bid: 1, ask: 1, volume: 1 })).toThrow(
      /call initialize\(\) before using the server/,
    );
    const httpServer = createServer();
    const wsServer = WebSocketServer.getInstance();
    await wsServer.initialize(httpServer, { auth: { secret: TEST_SECRET }, symbols: ['BTC/USDT'] });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const { port } = httpServer.address() as AddressInfo;
    const client = connectClient(`http://127.0.0.1:${port}/prices`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    try {
      await nextEvent(client, 'connect');
      await request(client, 'subscribe', { symbols: ['BTC/USDT'] });
      const update = nextEvent<PriceUpdate>(client, 'price.update');
      const wire = await websocketBroadcast.broadcastPriceUpdate('BTC/USDT', {
        price: 50000,
        bid: 49999,
        ask: 50001,
        volume: 1234567,
        timestamp: 1,
      });
      expect(await update).toEqual(wire);
      expect(wire).toMatchObject({ price: '50000', seq: 1 });
      await expect(
        websocketBroadcast.publishBatch([
          { event: 'price.update', data: { symbol: 'BTC/USDT', price: 2, bid: 2, ask: 2, volume: 2 } },
        ]),
      ).resolves.toHaveLength(1);
    } finally {
      client.disconnect();
    }
  });
});
