import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createGateway, loadConfig } from '../../src/index.js';
import { createLogger } from '../../src/logger.js';
import { connect, disconnected } from './helpers/clients.js';
import { signToken, TEST_SECRET } from './helpers/tokens.js';

describe('JSON log lines', () => {
  it('carry the node id exactly once, on every line of every component', async () => {
    const raw: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        raw.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const config = loadConfig({
      WS_PORT: '0',
      WS_HOST: '127.0.0.1',
      WS_NODE_ID: 'gw-once',
      WS_JWT_SECRET: TEST_SECRET,
      WS_DEMO_FEED: '0',
      LOG_LEVEL: 'debug',
    });
    const gateway = createGateway(config, { logger: createLogger({ level: 'debug', nodeId: 'gw-once', destination }) });
    await gateway.start();
    const socket = await connect(gateway.url, '/user', await signToken({ userId: 'alice' }));
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
