import type { NamespaceName } from '@ws/protocol';
import { describe, expect, it } from 'vitest';
import { OverloadConflator } from '../../src/overload-conflator.js';

type Delivered = [room: string, event: string, seq: number, except?: readonly string[]];

/**
 * `slow(ms)`: the next delivery takes `ms` of CPU, as a fan-out to many sockets would; `stalled(ms)`: it takes
 * `ms` of wall time without CPU, as on a host that deschedules the process.
 */
function setup(turnBudgetMs: number, minLoopUtilization = 0) {
  let nextCostMs = 0;
  let nextStallMs = 0;
  const slow = (ms: number) => {
    nextCostMs = ms;
  };
  const stalled = (ms: number) => {
    nextStallMs = ms;
  };
  const delivered: Delivered[] = [];
  const conflated: string[] = [];
  const conflator = new OverloadConflator(
    { turnBudgetMs, minLoopUtilization, onConflated: (ns, event) => conflated.push(`${ns} ${event}`) },
    (_ns, room, event, payload, except) => {
      busy(nextCostMs);
      sleep(nextStallMs);
      nextCostMs = 0;
      nextStallMs = 0;
      delivered.push(
        except
          ? [room, event, (payload as { seq: number }).seq, except]
          : [room, event, (payload as { seq: number }).seq],
      );
    },
  );
  const emit = (ns: NamespaceName, room: string, event: string, seq: number, except?: readonly string[]) =>
    conflator.emit(ns, room, event, { seq }, except);
  return { conflator, delivered, conflated, emit, slow, stalled };
}

/** Blocks the thread for `ms` without using CPU. */
function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Spends `ms` of this turn, as a long fan-out would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const idle = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('OverloadConflator', () => {
  // Most cases pin the turn budget's mechanics with the event-loop gate off (minLoopUtilization 0).
  it('delivers everything at once, in order, while the turn is within its budget', () => {
    const { delivered, conflated, emit } = setup(1_000);
    for (let seq = 1; seq <= 50; seq++) emit('/prices', 'prices:BTC/USDT', 'price.update', seq);
    expect(delivered.map((d) => d[2])).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(conflated).toEqual([]);
  });

  it('over budget, holds latest-state events per room, newest wins, and sends them at the end of the turn', async () => {
    const { conflator, delivered, conflated, emit, slow } = setup(2);
    slow(5);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1);
    for (let seq = 2; seq <= 10; seq++) emit('/prices', 'prices:BTC/USDT', 'price.update', seq);
    emit('/market', 'market:ticker:ETH/USDT', 'market.ticker', 7);
    emit('/market', 'market:stats:ETH/USDT', 'market.stats', 3);
    emit('/market', 'market:stats:ETH/USDT', 'market.stats', 4);
    expect(delivered).toEqual([['prices:BTC/USDT', 'price.update', 1]]);
    expect(conflator.pending).toBe(3);
    await endOfTurn();
    expect(delivered).toEqual([
      ['prices:BTC/USDT', 'price.update', 1],
      ['prices:BTC/USDT', 'price.update', 10],
      ['market:ticker:ETH/USDT', 'market.ticker', 7],
      ['market:stats:ETH/USDT', 'market.stats', 4],
    ]);
    expect(conflated).toEqual([...Array(8).fill('/prices price.update'), '/market market.stats']);
    expect(conflator.pending).toBe(0);
  });

  it('never holds trades, depth or /user events, and sends a room’s held update before them', () => {
    const { delivered, conflated, emit, slow } = setup(1);
    slow(3);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 2);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 3);
    emit('/prices', 'prices:BTC/USDT', 'price.trade', 4);
    emit('/market', 'market:depth:BTC/USDT', 'market.depth', 9);
    emit('/user', 'orders:u1', 'order.filled', 5);
    expect(delivered).toEqual([
      ['prices:BTC/USDT', 'price.update', 1],
      ['prices:BTC/USDT', 'price.update', 3],
      ['prices:BTC/USDT', 'price.trade', 4],
      ['market:depth:BTC/USDT', 'market.depth', 9],
      ['orders:u1', 'order.filled', 5],
    ]);
    expect(conflated).toEqual(['/prices price.update']);
  });

  it('keeps holding a room’s updates behind an already held one, even in a later cheap stretch of the turn', async () => {
    const { delivered, emit, slow } = setup(1);
    slow(3);
    emit('/prices', 'prices:SOL/USDT', 'price.update', 1);
    emit('/prices', 'prices:SOL/USDT', 'price.update', 2);
    emit('/prices', 'prices:XRP/USDT', 'price.trade', 1);
    emit('/prices', 'prices:SOL/USDT', 'price.update', 3);
    await endOfTurn();
    // A new turn starts with a fresh budget.
    emit('/prices', 'prices:SOL/USDT', 'price.update', 4);
    expect(delivered.map(([room, , seq]) => `${room}#${seq}`)).toEqual([
      'prices:SOL/USDT#1',
      'prices:XRP/USDT#1',
      'prices:SOL/USDT#3',
      'prices:SOL/USDT#4',
    ]);
  });

  it('passes `except` through with the message that is finally sent', async () => {
    const { delivered, emit, slow } = setup(1);
    slow(3);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1, []);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 2, ['a']);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 3, ['b']);
    await endOfTurn();
    expect(delivered).toEqual([
      ['prices:BTC/USDT', 'price.update', 1, []],
      ['prices:BTC/USDT', 'price.update', 3, ['b']],
    ]);
  });

  it('holds nothing when deliveries took long without using CPU (a descheduled process)', () => {
    // The process's other threads use a little CPU meanwhile: the budget leaves room for that.
    const { delivered, conflated, emit, stalled } = setup(20);
    stalled(30);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 2);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 3);
    expect(delivered.map((d) => d[2])).toEqual([1, 2, 3]);
    expect(conflated).toEqual([]);
  });

  it('holds once a descheduled turn has also used its budget of CPU', () => {
    const { delivered, emit, slow, stalled } = setup(20);
    stalled(30);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 2);
    slow(25);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 3);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 4);
    expect(delivered.map((d) => d[2])).toEqual([1, 2, 3]);
  });

  it('holds nothing when the turn spends its CPU outside deliveries (cheap messages)', () => {
    const { delivered, conflated, emit } = setup(2);
    for (let seq = 1; seq <= 5; seq++) {
      busy(2);
      emit('/prices', 'prices:BTC/USDT', 'price.update', seq);
    }
    expect(delivered.map((d) => d[2])).toEqual([1, 2, 3, 4, 5]);
    expect(conflated).toEqual([]);
  });

  it('holds nothing in a long turn when the event loop had headroom before it (a burst, not overload)', async () => {
    const { delivered, conflated, emit, slow } = setup(2, 0.9);
    await idle(150);
    slow(5);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1);
    slow(5);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 2);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 3);
    expect(delivered.map((d) => d[2])).toEqual([1, 2, 3]);
    expect(conflated).toEqual([]);
  });

  it('holds in a long turn once the event loop has been busy for a while (overload)', async () => {
    const { delivered, emit, slow } = setup(2, 0.9);
    emit('/prices', 'prices:ETH/USDT', 'price.update', 1);
    busy(150);
    slow(5);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 2);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 3);
    expect(delivered.map(([room, , seq]) => `${room}#${seq}`)).toEqual(['prices:ETH/USDT#1', 'prices:BTC/USDT#1']);
    await endOfTurn();
    expect(delivered.map(([room, , seq]) => `${room}#${seq}`)).toContain('prices:BTC/USDT#3');
  });

  it('with a budget of 0 never holds anything', () => {
    const { delivered, emit, slow } = setup(0);
    slow(3);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 2);
    expect(delivered.map((d) => d[2])).toEqual([1, 2]);
  });

  it('flush() sends what is held at once (shutdown)', () => {
    const { conflator, delivered, emit, slow } = setup(1);
    slow(3);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 2);
    conflator.flush();
    expect(delivered.map((d) => d[2])).toEqual([1, 2]);
  });
});
