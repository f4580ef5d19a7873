import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_SYMBOLS } from '../../src/bench/bench-options.js';
import { BENCH_JWT_SECRET, type RunningTarget, startTarget } from '../../src/bench/bench-target.js';
import type { LoadDriverOptions } from '../../src/bench/load-driver.js';
import { buildNativeLoadGenerator, NativeLoadDriver } from '../../src/bench/native-load-driver.js';
import { mintToken } from '../../src/gateway/token.js';

const CLIENTS = 20;

/** The benchmark's native client (bench/native/wsload.c) against real servers: framing, handshake, counting. */
describe('native load generator', () => {
  let binary = '';
  const targets: RunningTarget[] = [];

  beforeAll(() => {
    const built = buildNativeLoadGenerator();
    if ('error' in built) throw new Error(`bench/native does not build: ${built.error}`);
    binary = built.path;
  });
  afterAll(async () => {
    await Promise.all(targets.map((t) => t.process.stop(2000)));
  });

  async function driverFor(name: 'gateway' | 'baseline-ws', tokens?: string[]): Promise<NativeLoadDriver> {
    const target = await startTarget(name, undefined);
    targets.push(target);
    const options: LoadDriverOptions = {
      url: target.process.url,
      protocol: target.protocol,
      serverPid: target.process.pid,
      symbols: BENCH_SYMBOLS,
      clientTokens: tokens,
      publisherToken: target.auth
        ? await mintToken(BENCH_JWT_SECRET, { userId: 'publisher', role: 'service', ttlSec: 600 })
        : undefined,
      maxClients: CLIENTS,
      concurrency: 8,
      connectTimeoutMs: 10_000,
    };
    return NativeLoadDriver.start(binary, options, undefined);
  }

  it('connects to the gateway with a JWT each, is refused with a bad one, and counts every delivery in order', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < CLIENTS; i++)
      tokens.push(await mintToken(BENCH_JWT_SECRET, { userId: `native-${i}`, role: 'user', ttlSec: 600 }));
    // The last client's token is signed with another secret: the namespace refuses it.
    tokens[CLIENTS - 1] = await mintToken(`${BENCH_JWT_SECRET}-wrong`, { userId: 'forger', role: 'user', ttlSec: 600 });
    const driver = await driverFor('gateway', tokens);
    try {
      const c = await driver.connect(0, CLIENTS, 20_000);
      expect(c).toMatchObject({ ok: CLIENTS - 1, failed: 1 });
      expect(c.firstError).toContain('namespace refused');
      // 19 clients over 10 symbols: the first 9 symbols have 2 subscribers, the last 1.
      const o = await driver.offer(100, 1, 500);
      expect(o.failed).toBe(0);
      expect(o.offered).toBeGreaterThanOrEqual(90);
      const perRound = CLIENTS - 1;
      const rounds = Math.floor(o.offered / BENCH_SYMBOLS.length);
      const rest = o.offered % BENCH_SYMBOLS.length;
      expect(o.received).toBe(rounds * perRound + Math.min(rest, 9) * 2);
      expect(o).toMatchObject({ drops: 0, gaps: 0 });
      expect(o.p50Ms).toBeGreaterThan(0);
      expect(o.p99Ms).toBeLessThan(5000);
      expect(await driver.drain(5000)).toBeGreaterThan(0);
    } finally {
      await driver.close();
    }
  }, 60_000);

  it('speaks the raw-ws baseline’s plain JSON frames', async () => {
    const driver = await driverFor('baseline-ws');
    try {
      expect(await driver.connect(0, CLIENTS, 20_000)).toMatchObject({ ok: CLIENTS, failed: 0 });
      const o = await driver.offer(100, 1, 500);
      expect(o.offered).toBeGreaterThanOrEqual(90);
      expect(o.received).toBe(o.offered * (CLIENTS / BENCH_SYMBOLS.length));
      expect(o.drops).toBe(0);
    } finally {
      await driver.close();
    }
  }, 60_000);
});
