import { connect as tcpConnect } from 'node:net';
import { testConfig } from '@ws/test-support/gateway';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createGateway, type Gateway, loadConfig } from '../../src/index.js';

/**
 * A raw TCP client that sends a request line, then one header line every `everyMs` and never the blank line that
 * ends the headers. Resolves with how long the server let it hang on once the server closes the socket.
 */
function dribble(port: number, everyMs: number): Promise<{ heldMs: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let timer: NodeJS.Timeout | undefined;
    let answer = '';
    let started = 0;
    let n = 0;
    socket.once('connect', () => {
      started = performance.now();
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      timer = setInterval(() => socket.write(`X-Dribble-${n++}: a\r\n`), everyMs);
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ heldMs: performance.now() - started, answer });
    });
    socket.once('timeout', () => reject(new Error('never cut')));
  });
}

describe('slowloris', () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it('a client dribbling headers is cut at WS_HTTP_HEADERS_TIMEOUT_MS, not at Node’s 30 s sweep', async () => {
    gateway = createGateway(testConfig({ WS_HTTP_HEADERS_TIMEOUT_MS: '1000', WS_HTTP_REQUEST_TIMEOUT_MS: '2000' }));
    const { port } = await gateway.start();
    const { heldMs, answer } = await dribble(port, 100);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    // Configured 1 s; Node's default sweep would have held it 30 s. The margin is for a saturated machine.
    expect(heldMs).toBeLessThan(15_000);
  });

  it('defaults to 10 s / 30 s and refuses a headers timeout longer than the request timeout, naming it', () => {
    expect(loadConfig({}).http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    let issues: ConfigError['issues'] = [];
    try {
      loadConfig({ WS_HTTP_HEADERS_TIMEOUT_MS: '5000', WS_HTTP_REQUEST_TIMEOUT_MS: '4000' });
    } catch (err) {
      if (err instanceof ConfigError) issues = err.issues;
    }
    expect(issues.map((i) => i.variable)).toEqual(['WS_HTTP_HEADERS_TIMEOUT_MS']);
  });
});
