import { generateKeyPairSync } from 'node:crypto';
import { collect, connect, request, TEST_SECRET } from '@ws/test-support';
import { testConfig } from '@ws/test-support/gateway';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createGateway, type Gateway, loadConfig } from '../../src/index.js';

describe('createGateway in-process', () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it('is not ready before start, serves after it, and drains on stop', async () => {
    const config = testConfig({ WS_DEMO_FEED: '1', WS_DEMO_FEED_INTERVAL_MS: '50' });
    gateway = createGateway(config);
    expect(gateway.readiness.status()).toEqual({ ready: false, state: 'starting', reason: 'starting' });

    const { port } = await gateway.start();
    expect(port).toBeGreaterThan(0);
    expect(gateway.url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);

    const prices = await connect(gateway.url, '/prices');
    const updates = collect(prices, 'price.update');
    const messages = collect<{ type: string }>(prices, 'system.message');
    expect((await request(prices, 'subscribe', { symbols: ['BTC/USDT'] })).ok).toBe(true);
    // The snapshot on subscribe or the next demo tick.
    await expect.poll(() => updates.length, { timeout: 10_000 }).toBeGreaterThan(0);

    const closed = new Promise((resolve) => prices.once('disconnect', resolve));
    await gateway.stop();
    await closed;
    expect(messages.some((m) => m.type === 'reconnect')).toBe(true);
    expect(gateway.readiness.status()).toMatchObject({ ready: false, state: 'draining' });
    expect(gateway.http.listening).toBe(false);
    prices.close();
  });

  it('a stop during start waits for it and leaves nothing running', async () => {
    const config = testConfig({ WS_DEMO_FEED: '1', WS_DEMO_FEED_INTERVAL_MS: '20' });
    const g = createGateway(config);
    const starting = g.start();
    await g.stop();
    await expect(starting).resolves.toMatchObject({ port: expect.any(Number) });
    expect(g.http.listening).toBe(false);
    expect(g.readiness.status()).toMatchObject({ ready: false, state: 'draining' });
  });

  it('requires a JWT configuration or a development secret', () => {
    const config = loadConfig({ WS_PORT: '0', LOG_LEVEL: 'silent' });
    expect(() => createGateway(config)).toThrow(/development secret/);
  });

  describe('refuses a JWT setting the server cannot use, naming its variable', () => {
    const ecKey = (namedCurve: string) =>
      generateKeyPairSync('ec', { namedCurve }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const p256 = ecKey('prime256v1');
    it.each([
      // Each passes loadConfig's own checks; the server's AuthMiddleware refuses it.
      ['WS_JWT_PUBLIC_KEY', { WS_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----' }],
      ['WS_JWT_PUBLIC_KEY', { WS_JWT_PUBLIC_KEY: ecKey('secp256k1') }],
      // The key is fine; the algorithm list is what does not fit it.
      ['WS_JWT_ALGORITHMS', { WS_JWT_PUBLIC_KEY: p256, WS_JWT_ALGORITHMS: 'HS256' }],
      ['WS_JWT_ALGORITHMS', { WS_JWT_PUBLIC_KEY: p256, WS_JWT_ALGORITHMS: 'RS256' }],
      ['WS_JWT_ALGORITHMS', { WS_JWT_SECRET: TEST_SECRET, WS_JWT_ALGORITHMS: 'ES256' }],
    ])('%s (%o)', (variable, env) => {
      const config = loadConfig({ WS_PORT: '0', LOG_LEVEL: 'silent', ...env });
      let refused: unknown;
      try {
        createGateway(config);
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as ConfigError).issues).toEqual([
        { variable, message: expect.stringMatching(/^the server cannot use this value: auth\./) },
      ]);
    });
  });
});
