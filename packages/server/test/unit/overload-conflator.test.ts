import type { NamespaceName } from '@ws/protocol';
import { describe, expect, it } from 'vitest';
import { type OverloadClock, OverloadConflator } from '../../src/delivery/overload-conflator.js';

type Delivered = [room: string, event: string, seq: number, except?: readonly string[]];

/**
 * A clock that moves only when the test says so, for the three things the conflator reads: wall time, the
 * process's CPU time and the event loop's idle/active time. `busy(ms)`: the thread computes for `ms`;
 * `stall(ms)`: `ms` of wall time pass in a turn without CPU, as on a host that deschedules the process;
 * `idle(ms)`: the event loop waits for `ms`.
 */
function fakeClock() {
  const t = { now: 1_000, cpu: 50, idle: 0, active: 0 };
  const clock: OverloadClock = {
    now: () => t.now,
    cpuTimeMs: () => t.cpu,
    eventLoopTime: () => ({ idle: t.idle, active: t.active }),
  };
  return {
    clock,
    busy(ms: number) {
      t.now += ms;
      t.cpu += ms;
      t.active += ms;
    },
    stall(ms: number) {
      t.now += ms;
      t.active += ms;
    },
    idle(ms: number) {
      t.now += ms;
      t.idle += ms;
    },
  };
}

/**
 * `slow(ms)`: the next delivery takes `ms` of CPU, as a fan-out to many sockets would; `stalled(ms)`: it takes
 * `ms` of wall time without CPU, as on a host that deschedules the process. `busy`/`idle`: time passes
 * between deliveries.
 */
function setup(turnBudgetMs: number, minLoopUtilization = 0) {
  const { clock, busy, stall, idle } = fakeClock();
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
    { turnBudgetMs, minLoopUtilization, clock, onConflated: (ns, event) => conflated.push(`${ns} ${event}`) },
    ({ room, event, payload }, except) => {
      busy(nextCostMs);
      stall(nextStallMs);
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
    conflator.emit({ namespace: ns, room, event, payload: { seq } }, except);
  return { conflator, delivered, conflated, emit, slow, stalled, busy, idle };
}

/** Spends at least `ms` of wall time and `ms` of the process's CPU time, whatever else runs on the host. */
function burn(ms: number): void {
  const cpuMs = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  const untilWall = performance.now() + ms;
  const untilCpu = cpuMs() + ms;
  while (performance.now() < untilWall || cpuMs() < untilCpu) {
    // spin
  }
}

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

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
    // 30 ms of wall time per delivery, none of it CPU: the turn is slow because the host is, not the fan-out.
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
    const { delivered, conflated, emit, busy } = setup(2);
    for (let seq = 1; seq <= 5; seq++) {
      busy(2);
      emit('/prices', 'prices:BTC/USDT', 'price.update', seq);
    }
    expect(delivered.map((d) => d[2])).toEqual([1, 2, 3, 4, 5]);
    expect(conflated).toEqual([]);
  });

  it('holds nothing in a long turn when the event loop had headroom before it (a burst, not overload)', () => {
    const { delivered, conflated, emit, slow, idle } = setup(2, 0.9);
    idle(150);
    slow(5);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1);
    slow(5);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 2);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 3);
    expect(delivered.map((d) => d[2])).toEqual([1, 2, 3]);
    expect(conflated).toEqual([]);
  });

  it('holds in a long turn once the event loop has been busy for a while (overload)', async () => {
    const { delivered, emit, slow, busy } = setup(2, 0.9);
    emit('/prices', 'prices:ETH/USDT', 'price.update', 1);
    busy(150);
    slow(5);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 2);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 3);
    expect(delivered.map(([room, , seq]) => `${room}#${seq}`)).toEqual(['prices:ETH/USDT#1', 'prices:BTC/USDT#1']);
    await endOfTurn();
    expect(delivered.map(([room, , seq]) => `${room}#${seq}`)).toEqual([
      'prices:ETH/USDT#1',
      'prices:BTC/USDT#1',
      'prices:BTC/USDT#3',
    ]);
  });

  it('with a budget of 0 never holds anything', () => {
    const { delivered, emit, slow } = setup(0);
    slow(3);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 1);
    emit('/prices', 'prices:BTC/USDT', 'price.update', 2);
    expect(delivered.map((d) => d[2])).toEqual([1, 2]);
  });

  it('with the process’s real clocks, holds once a delivery has used the budget of both wall and CPU time', async () => {
    // Only the direction a loaded host cannot disturb: `burn` waits for the CPU time, so it is really spent.
    const delivered: number[] = [];
    const conflator = new OverloadConflator({ turnBudgetMs: 2, minLoopUtilization: 0 }, ({ payload }) => {
      const { seq } = payload as { seq: number };
      if (seq === 1) burn(5);
      delivered.push(seq);
    });
    for (let seq = 1; seq <= 3; seq++)
      conflator.emit({ namespace: '/prices', room: 'prices:BTC/USDT', event: 'price.update', payload: { seq } });
    expect(delivered).toEqual([1]);
    expect(conflator.pending).toBe(1);
    await endOfTurn();
    expect(delivered).toEqual([1, 3]);
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
