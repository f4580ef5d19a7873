import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_SYMBOLS } from '../../src/bench/bench-options.js';
import { BENCH_JWT_SECRET, type RunningTarget, startTarget } from '../../src/bench/bench-target.js';
import type { LoadDriverOptions } from '../../src/bench/load-driver.js';
import { buildMarketWorkload, type MarketWorkload } from '../../src/bench/market-workload.js';
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

  async function driverFor(
    name: 'gateway' | 'baseline-ws' | 'baseline-socketio',
    tokens?: string[],
    market?: MarketWorkload,
  ): Promise<NativeLoadDriver> {
    const target = await startTarget(name, undefined, undefined, market?.symbols);
    targets.push(target);
    const options: LoadDriverOptions = {
      url: target.process.url,
      protocol: target.protocol,
      serverPid: target.process.pid,
      symbols: market?.symbols ?? BENCH_SYMBOLS,
      market,
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

  it('closes clients at once on `close` (a reconnect storm’s start) and connects the same clients again', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < CLIENTS; i++)
      tokens.push(await mintToken(BENCH_JWT_SECRET, { userId: `storm-${i}`, role: 'user', ttlSec: 600 }));
    const driver = await driverFor('gateway', tokens);
    const url = targets.at(-1)?.process.url;
    const openOnPrices = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(/^ws_connections\{namespace="\/prices"\} (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
    };
    try {
      expect(await driver.connect(0, CLIENTS, 20_000)).toMatchObject({ ok: CLIENTS, failed: 0 });
      expect(await openOnPrices()).toBe(CLIENTS);
      expect(await driver.closeClients(5, CLIENTS)).toBe(CLIENTS - 5);
      // The server sees the sockets go (no message is needed: the TCP connections end).
      while ((await openOnPrices()) !== 5) await new Promise((r) => setTimeout(r, 50));
      expect(await driver.closeClients(0, CLIENTS)).toBe(5);
      expect(await driver.closeClients(0, CLIENTS)).toBe(0);
      while ((await openOnPrices()) !== 0) await new Promise((r) => setTimeout(r, 50));
      expect(await driver.connect(0, CLIENTS, 20_000)).toMatchObject({ ok: CLIENTS, failed: 0 });
      expect(await openOnPrices()).toBe(CLIENTS);
      // Closed clients count neither as drops nor as receivers twice: every item reaches its 2 subscribers.
      const o = await driver.offer(100, 1, 500);
      expect(o).toMatchObject({ failed: 0, drops: 0, gaps: 0 });
      expect(o.received).toBe(o.offered * (CLIENTS / BENCH_SYMBOLS.length));
    } finally {
      await driver.close();
    }
  }, 60_000);

  it('refuses a close range outside its clients', async () => {
    const driver = await driverFor('baseline-ws');
    try {
      await expect(driver.closeClients(0, CLIENTS + 1)).rejects.toThrow(/close range out of bounds/);
      await expect(driver.closeClients(5, 2)).rejects.toThrow(/close range out of bounds/);
    } finally {
      await driver.close();
    }
  });

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

  /** Deliveries of the plan's first `items` items: each goes to every client subscribed to its symbol. */
  function dueDeliveries(market: MarketWorkload, clients: number, items: number): number {
    const subscribers = new Map<number, number>();
    for (const subs of market.subscriptions.slice(0, clients))
      for (const symbol of subs) subscribers.set(symbol, (subscribers.get(symbol) ?? 0) + 1);
    let due = 0;
    for (let k = 0; k < items; k++) due += subscribers.get(market.plan[k % market.plan.length]?.symbol ?? -1) ?? 0;
    return due;
  }

  it('runs the market workload on the gateway: /market, 15 rooms per client, valid depth/trades/ticker, every delivery counted', async () => {
    const market = buildMarketWorkload(CLIENTS, 20);
    expect(market.subscriptions.every((s) => new Set(s).size === 5)).toBe(true);
    const tokens: string[] = [];
    for (let i = 0; i < CLIENTS; i++)
      tokens.push(await mintToken(BENCH_JWT_SECRET, { userId: `market-${i}`, role: 'user', ttlSec: 600 }));
    const driver = await driverFor('gateway', tokens, market);
    try {
      expect(await driver.connect(0, CLIENTS, 20_000)).toMatchObject({ ok: CLIENTS, failed: 0 });
      const o = await driver.offer(300, 1, 500);
      // The gateway accepted every item (its publish API validates them), and delivered each to every subscriber.
      expect(o).toMatchObject({ failed: 0, drops: 0, gaps: 0 });
      expect(o.offered).toBeGreaterThanOrEqual(270);
      expect(o.expected).toBe(dueDeliveries(market, CLIENTS, o.offered));
      expect(o.received).toBe(o.expected);
      expect(o.p50Ms).toBeGreaterThan(0);
      // A second trial continues the books with deltas (seq continuity per channel x symbol: no gaps).
      const again = await driver.offer(300, 1, 500);
      expect(again).toMatchObject({ failed: 0, drops: 0, gaps: 0 });
      expect(again.received).toBe(again.expected);
    } finally {
      await driver.close();
    }
  }, 60_000);

  it('runs the market workload on both baselines (rooms per channel x symbol)', async () => {
    const market = buildMarketWorkload(CLIENTS, 20);
    for (const name of ['baseline-ws', 'baseline-socketio'] as const) {
      const driver = await driverFor(name, undefined, market);
      try {
        expect(await driver.connect(0, CLIENTS, 20_000)).toMatchObject({ ok: CLIENTS, failed: 0 });
        const o = await driver.offer(300, 1, 500);
        expect(o).toMatchObject({ failed: 0, drops: 0 });
        expect(o.expected).toBe(dueDeliveries(market, CLIENTS, o.offered));
        expect(o.received).toBe(o.expected);
      } finally {
        await driver.close();
      }
    }
  }, 60_000);
});
