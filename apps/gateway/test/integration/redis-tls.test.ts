import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  closeAll,
  collect,
  connect,
  freePort,
  type RedisServer,
  request,
  signToken,
  startRedis,
  TEST_SECRET,
} from '@ws/test-support';
import { type GatewayProcess, startGatewayProcess } from '@ws/test-support/gateway';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestPki, type TestPki } from './helpers/certificates.js';
import { parseExposition, sum } from './helpers/prometheus.js';

async function redisUp(url: string): Promise<number> {
  return sum(parseExposition(await (await fetch(`${url}/metrics`)).text()), 'ws_redis_up');
}

/**
 * A Redis that speaks only TLS (plain port closed) and only to an ACL user: the gateway reaches it with
 * `rediss://`, `REDIS_USERNAME`/`REDIS_PASSWORD` and a private CA in `NODE_EXTRA_CA_CERTS`.
 */
describe('gateway processes over TLS to Redis with an ACL user', () => {
  const username = 'gateway';
  const password = 'redis-tls-test-password';
  let pki: TestPki;
  let redis: RedisServer;
  let tlsPort = 0;
  let caFile = '';
  const gateways: GatewayProcess[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    pki = await createTestPki();
    const { certFile, keyFile } = await pki.issue('redis');
    // Redis serves leaf + intermediate; clients trust only the root.
    const chain = join(pki.dir, 'redis.chain.crt');
    await writeFile(chain, (await readFile(certFile, 'utf8')) + (await readFile(pki.intermediateFile, 'utf8')));
    caFile = join(pki.dir, 'root.crt');
    tlsPort = await freePort();
    redis = await startRedis({
      args: [
        '--port',
        '0',
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        chain,
        '--tls-key-file',
        keyFile,
        '--tls-auth-clients',
        'no',
        '--user',
        'default',
        'off',
        '--user',
        username,
        'on',
        `>${password}`,
        '~*',
        '&*',
        '+@all',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    closeAll(sockets);
    await Promise.all(gateways.map((g) => g.kill()));
    await redis?.stop();
    await pki?.remove();
  });

  const env = () => ({
    WS_JWT_SECRET: TEST_SECRET,
    WS_DEMO_FEED: '0',
    REDIS_URL: `rediss://127.0.0.1:${tlsPort}`,
    REDIS_USERNAME: username,
    REDIS_PASSWORD: password,
  });

  it('deliver across two nodes through a TLS-only, password-protected Redis', async () => {
    const [a, b] = await Promise.all([
      startGatewayProcess({ ...env(), NODE_EXTRA_CA_CERTS: caFile, WS_NODE_ID: 'tls-a' }, 60_000),
      startGatewayProcess({ ...env(), NODE_EXTRA_CA_CERTS: caFile, WS_NODE_ID: 'tls-b' }, 60_000),
    ]);
    gateways.push(a, b);
    for (const g of [a, b]) {
      await vi.waitFor(async () => expect(await (await fetch(`${g.url}/readyz`)).json()).toEqual({ status: 'ready' }), {
        timeout: 20_000,
        interval: 100,
      });
      expect(await redisUp(g.url)).toBe(1);
    }

    const prices = await connect(b.url, '/prices');
    sockets.push(prices);
    const updates = collect<{ symbol: string; price: string }>(prices, 'price.update');
    expect((await request(prices, 'subscribe', { symbols: ['BTC/USDT'] })).ok).toBe(true);
    const service = signToken({ sub: 'svc', role: 'service' });
    const res = await fetch(`${a.url}/api/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
      body: JSON.stringify({
        event: 'price.update',
        data: { symbol: 'BTC/USDT', price: '42.5', bid: '42', ask: '43', volume: '1' },
      }),
    });
    expect(res.status).toBe(202);
    await vi.waitFor(() => expect(updates).toContainEqual(expect.objectContaining({ price: '42.5' })), {
      timeout: 15_000,
      interval: 50,
    });
  }, 120_000);

  it('a gateway that does not trust the CA, or has a wrong password, never reports Redis up', async () => {
    const untrusted = await startGatewayProcess({ ...env(), WS_NODE_ID: 'tls-untrusted' }, 60_000);
    const wrongPassword = await startGatewayProcess(
      { ...env(), NODE_EXTRA_CA_CERTS: caFile, REDIS_PASSWORD: 'not-the-password', WS_NODE_ID: 'tls-wrong' },
      60_000,
    );
    gateways.push(untrusted, wrongPassword);
    for (const g of [untrusted, wrongPassword]) {
      // Degraded, not ready: it serves locally, but never joined the cluster.
      await vi.waitFor(
        async () => expect(await (await fetch(`${g.url}/readyz`)).json()).toMatchObject({ status: 'degraded' }),
        { timeout: 20_000, interval: 100 },
      );
      expect(await redisUp(g.url)).toBe(0);
    }
  }, 120_000);
});
