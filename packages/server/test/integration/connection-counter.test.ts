import { type RedisServer, startRedis } from '@ws/test-support';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisConnectionCounter } from '../../src/admission/connection-counter.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function redis(): Promise<RedisServer> {
  const r = await startRedis();
  cleanups.push(() => r.stop());
  return r;
}

function counter(r: RedisServer, nodeId: string, ttlMs = 60_000): RedisConnectionCounter {
  const c = new RedisConnectionCounter(r.client(), nodeId, { prefix: 'cc', ttlMs });
  cleanups.push(() => c.close());
  return c;
}

describe('RedisConnectionCounter on a real redis-server', () => {
  it('one cap across nodes; a release gives the slot back to any node', async () => {
    const r = await redis();
    const a = counter(r, 'a');
    const b = counter(r, 'b');
    expect(await a.acquire('ip', '203.0.113.1', 2)).toBe(true);
    expect(await b.acquire('ip', '203.0.113.1', 2)).toBe(true);
    expect(await a.acquire('ip', '203.0.113.1', 2)).toBe(false);
    expect(await b.acquire('ip', '203.0.113.1', 2)).toBe(false);
    // Other subjects and kinds are counted apart.
    expect(await b.acquire('user', '203.0.113.1', 1)).toBe(true);
    a.release('ip', '203.0.113.1');
    await vi.waitFor(async () => expect(await b.acquire('ip', '203.0.113.1', 2)).toBe(true), { interval: 50 });
  });

  it('the heartbeat re-asserts what a node holds, so counts lost in Redis (a restart, a flush) come back', async () => {
    const r = await redis();
    const a = counter(r, 'a', 300);
    const b = counter(r, 'b');
    expect(await a.acquire('user', 'alice', 2)).toBe(true);
    expect(await a.acquire('user', 'alice', 2)).toBe(true);
    const admin = r.client();
    await admin.flushall();
    // Until a's next heartbeat the cap is under-enforced (fails open), then it holds again.
    await vi.waitFor(async () => expect(await admin.hget('cc:conns:user:alice', 'n:a')).toBe('2'), { interval: 50 });
    expect(await b.acquire('user', 'alice', 2)).toBe(false);
  });

  it('while Redis is down a node admits up to the cap on its own count, and no further', async () => {
    const r = await redis();
    const a = counter(r, 'a');
    expect(await a.acquire('ip', '198.51.100.2', 2)).toBe(true);
    await r.stop();
    expect(await a.acquire('ip', '198.51.100.2', 2)).toBe(true);
    expect(await a.acquire('ip', '198.51.100.2', 2)).toBe(false);
    a.release('ip', '198.51.100.2');
    expect(await a.acquire('ip', '198.51.100.2', 2)).toBe(true);
  });
});
