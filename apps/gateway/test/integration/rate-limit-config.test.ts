import { closeAll, connect, request, signToken } from '@ws/test-support';
import { startGateway } from '@ws/test-support/gateway';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/index.js';

/** How many `ping`s the namespace accepts before the first RATE_LIMITED (the window is an hour: no reset mid-test). */
async function acceptedPings(url: string, namespace: string, token: string | undefined, most: number) {
  const socket = await connect(url, namespace, token);
  try {
    for (let i = 0; i < most; i++) {
      const ack = await request<{ ok: boolean; error?: { code: string } }>(socket, 'ping', {});
      if (!ack.ok) {
        expect(ack.error?.code).toBe('RATE_LIMITED');
        return i;
      }
    }
    return most;
  } finally {
    closeAll([socket]);
  }
}

describe('rate limits from the environment, enforced on real sockets', { timeout: 120_000 }, () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  async function start(env: Record<string, string>): Promise<Gateway> {
    gateway = await startGateway({ WS_RATE_LIMIT_DURATION: '3600', ...env });
    return gateway;
  }

  it('the seed’s WS_RATE_LIMIT_POINTS=100 keeps /user at 50 and /admin at 200', async () => {
    const gw = await start({ WS_RATE_LIMIT_POINTS: '100' });
    const user = signToken({ userId: 'alice' });
    const admin = signToken({ userId: 'ops', role: 'admin' });
    expect(await acceptedPings(gw.url, '/user', user, 60)).toBe(50);
    expect(await acceptedPings(gw.url, '/admin', admin, 210)).toBe(200);
    expect(await acceptedPings(gw.url, '/prices', undefined, 110)).toBe(100);
  });

  it('a per-namespace variable sets that namespace alone', async () => {
    const gw = await start({ WS_RATE_LIMIT_POINTS: '20', WS_RATE_LIMIT_POINTS_USER: '3' });
    expect(await acceptedPings(gw.url, '/user', signToken({ userId: 'bob' }), 10)).toBe(3);
    expect(await acceptedPings(gw.url, '/market', undefined, 30)).toBe(20);
  });
});
