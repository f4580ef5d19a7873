import { Writable } from 'node:stream';
import { connect, disconnected, signToken } from '@ws/test-support';
import { startGateway } from '@ws/test-support/gateway';
import { describe, expect, it } from 'vitest';

import { createLogger } from '../../src/logger.js';

describe('JSON log lines', () => {
  it('carry the node id exactly once, on every line of every component', async () => {
    const raw: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        raw.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const gateway = await startGateway(
      { WS_NODE_ID: 'gw-once', LOG_LEVEL: 'debug' },
      { logger: createLogger({ level: 'debug', nodeId: 'gw-once', destination }) },
    );
    const socket = await connect(gateway.url, '/user', signToken({ userId: 'alice' }));
    const gone = disconnected(socket);
    socket.disconnect();
    await gone;
    await gateway.stop();
    // Start, the server's own lines, a connection and a disconnection, shutdown.
    expect(raw.some((l) => l.includes('websocket server initialized'))).toBe(true);
    expect(raw.some((l) => l.includes('websocket server closed'))).toBe(true);
    expect(raw.length).toBeGreaterThanOrEqual(4);
    for (const line of raw) {
      expect(line.match(/"nodeId":/g)?.length, line).toBe(1);
      expect(JSON.parse(line).nodeId).toBe('gw-once');
    }
  });
});
