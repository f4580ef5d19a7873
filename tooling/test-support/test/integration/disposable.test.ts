import { AuthMiddleware } from '@ws/server';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/child-process.js';
import { startGateway, type TestGateway } from '../../src/gateway.js';
import { ManualClock, type RedisServer, signToken, startRedis, TEST_SECRET } from '../../src/index.js';

describe('disposable resources', () => {
  it('a Redis and a gateway on it are stopped, in reverse order, when the block is left', async () => {
    let redis: RedisServer | undefined;
    let gateway: TestGateway | undefined;
    {
      await using r = await startRedis();
      await using gw = await startGateway({ REDIS_URL: r.url });
      redis = r;
      gateway = gw;
      expect(await r.client().ping()).toBe('PONG');
      expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    }
    expect(gateway.http.listening).toBe(false);
    expect(isAlive(redis.process)).toBe(false);
  });

  it('disposes what was started when the block throws', async () => {
    let redis: RedisServer | undefined;
    await expect(
      (async () => {
        await using r = await startRedis();
        redis = r;
        throw new Error('the test failed');
      })(),
    ).rejects.toThrow('the test failed');
    expect(redis && isAlive(redis.process)).toBe(false);
  });
});

describe('signToken', () => {
  it('mints a token the server verifies, with iat and exp from the given time', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const token = signToken({ sub: 'ann', role: 'user' }, { now: clock.now(), expiresInSec: 60 });
    const auth = new AuthMiddleware({ secret: TEST_SECRET, clock });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, number>;
    expect(payload['exp']! - payload['iat']!).toBe(60);
    await expect(auth.verify(token)).resolves.toMatchObject({ userId: 'ann', role: 'user' });
    clock.advance(61_000 + 5_000);
    await expect(auth.verify(token)).rejects.toThrow();
  });

  it('a token signed with another secret is refused', async () => {
    const auth = new AuthMiddleware({ secret: TEST_SECRET });
    await expect(auth.verify(signToken({ sub: 'ann' }, { secret: 'x'.repeat(40) }))).rejects.toThrow();
  });
});
