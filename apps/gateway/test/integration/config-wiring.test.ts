import { closeAll, connect, request } from '@ws/test-support';
import { startGateway } from '@ws/test-support/gateway';
import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/index.js';

/** The environment reaches the server: limits and rate limits configured by variables take effect. */
describe('configuration wiring (in-process gateway)', () => {
  let gateway: Gateway | undefined;
  const sockets: Socket[] = [];

  async function start(env: Record<string, string>): Promise<Gateway> {
    gateway = await startGateway(env);
    return gateway;
  }

  afterEach(async () => {
    closeAll(sockets.splice(0));
    await gateway?.stop();
    gateway = undefined;
  });

  it('WS_RATE_LIMIT_POINTS / _DURATION / _BLOCK limit inbound events per connection', async () => {
    const g = await start({ WS_RATE_LIMIT_POINTS: '3', WS_RATE_LIMIT_DURATION: '60', WS_RATE_LIMIT_BLOCK: '60' });
    const prices = await connect(g.url, '/prices');
    sockets.push(prices);
    const acks: { ok: boolean; error?: { code: string; retryAfterMs?: number } }[] = [];
    for (let i = 0; i < 4; i++) acks.push(await request(prices, 'subscribe', { symbols: ['BTC/USDT'] }));
    expect(acks.slice(0, 3).every((a) => a.ok)).toBe(true);
    expect(acks[3]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(acks[3]?.error?.retryAfterMs).toBeGreaterThan(0);
  });

  it('WS_HANDSHAKE_RATE_LIMIT_POINTS refuses connections over the per-IP limit', async () => {
    const g = await start({ WS_HANDSHAKE_RATE_LIMIT_POINTS: '2', WS_HANDSHAKE_RATE_LIMIT_DURATION: '60' });
    sockets.push(await connect(g.url, '/prices'), await connect(g.url, '/market'));
    await expect(connect(g.url, '/prices')).rejects.toMatchObject({ message: 'RATE_LIMITED' });
  });

  it('WS_MAX_SYMBOLS_PER_CONNECTION and WS_SYMBOLS bound subscriptions', async () => {
    const g = await start({ WS_MAX_SYMBOLS_PER_CONNECTION: '2', WS_SYMBOLS: 'BTC/USDT,ETH/USDT,SOL/USDT' });
    const prices = await connect(g.url, '/prices');
    sockets.push(prices);
    const tooMany = await request(prices, 'subscribe', { symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'] });
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'LIMIT_EXCEEDED' } });
    const unknown = await request(prices, 'subscribe', { symbols: ['XRP/USDT'] });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'UNKNOWN_SYMBOL' } });
    expect((await request(prices, 'subscribe', { symbols: ['BTC/USDT', 'ETH/USDT'] })).ok).toBe(true);
  });

  it('WS_CORS_ORIGIN decides which browser origins may poll', async () => {
    const g = await start({ WS_CORS_ORIGIN: 'https://app.example.com' });
    const poll = (origin: string) =>
      fetch(`${g.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } }).then((res) => {
        void res.body?.cancel();
        return res.headers.get('access-control-allow-origin');
      });
    expect(await poll('https://app.example.com')).toBe('https://app.example.com');
    expect(await poll('https://evil.example.net')).toBeNull();
  });
});
