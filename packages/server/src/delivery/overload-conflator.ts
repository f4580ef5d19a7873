// Node's performance (event-loop utilization), also when a DOM lib is in scope (the React bindings' tests).
import { performance } from 'node:perf_hooks';
import { LATEST_STATE_EVENTS, type NamespaceName } from '@ws/protocol';
import type { RoomMessage } from './room-message.js';

/** Delivers one room message to the room's members on this node, minus the sockets in `except`. */
export type DeliverNow = (message: RoomMessage, except: readonly string[] | undefined) => void;

export interface OverloadConflatorOptions {
  /**
   * Time (ms) one event-loop turn may spend delivering (summed over its deliveries, and confirmed as CPU time
   * of the process) before latest-state broadcasts of the rest of the turn are held back and conflated; 0
   * turns conflation off.
   */
  turnBudgetMs: number;
  /**
   * Share of wall time (0–1) the event loop must have been busy over the last ~100 ms before a turn over its
   * budget conflates: with headroom left, a long turn (a burst, a GC pause) is absorbed by the next ones and
   * nothing needs dropping. 0 conflates on the turn budget alone. Default 0.9.
   */
  minLoopUtilization?: number;
  /** A held broadcast was replaced by a newer one of the same room and event. */
  onConflated?: (namespace: NamespaceName, event: string) => void;
  /** Runs the end-of-turn delivery of what was held as one write batch (see `RoomDelivery.batch`). */
  batch?: (deliverHeld: () => void) => void;
  /** Where time is read; the process's real clocks by default. Tests drive a fake one. */
  clock?: OverloadClock;
}

/** The three clocks the conflator reads: its verdicts depend on nothing else about time. */
export interface OverloadClock {
  /** Monotonic ms (`performance.now()`): the wall time of deliveries and of utilization windows. */
  now(): number;
  /** CPU time (user + system) the process has used so far, in ms (`process.cpuUsage()`). */
  cpuTimeMs(): number;
  /** The event loop's idle and active time so far, in ms (`performance.eventLoopUtilization()`). */
  eventLoopTime(): { readonly idle: number; readonly active: number };
}

/** The process's real clocks. */
export const PROCESS_OVERLOAD_CLOCK: OverloadClock = {
  now: () => performance.now(),
  cpuTimeMs: () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  },
  eventLoopTime: () => performance.eventLoopUtilization(),
};

/** The event loop's utilization is measured over windows of at least this length (ms). */
const LOOP_WINDOW_MS = 100;

interface Held {
  message: RoomMessage;
  except: readonly string[] | undefined;
}

/**
 * Keeps the gateway's latency bounded when publishers offer more than one core can fan out.
 *
 * Without it, every published message is fanned out in arrival order, so under sustained overload the
 * backlog (and every client's latency) grows with the excess. Here, once the deliveries of the current
 * event-loop turn have taken `turnBudgetMs` and the process has also used that much CPU since the turn's
 * first broadcast, latest-state broadcasts (`price.update`, `market.ticker`, `market.stats`) are held, one
 * per room and event, newest wins, and sent at the end of the turn. Delivery time is measured, so a burst of
 * cheap messages does not trip it; CPU time confirms it, so a host that deschedules the process does not.
 * It also needs the event loop to have been busy (`minLoopUtilization`) lately: a long turn on a loop with
 * headroom is a burst the next turns absorb, not overload. The work per turn is then bounded by the number
 * of rooms, not by the offered rate. Below the budget nothing is held, so a normally loaded gateway delivers
 * every message at once.
 *
 * Never conflated: trades, order-book deltas, `/user` streams and system messages. A message of a room
 * that has a held one first sends the held one, so a room's messages always leave in seq order. Clients
 * see a conflated stream as a seq jump (the `gap` event of the client SDK), as with slow-consumer conflation.
 */
export class OverloadConflator {
  /** room → event → newest held broadcast. */
  private readonly held = new Map<string, Map<string, Held>>();
  /** Wall time spent delivering in the current event-loop turn (ms); undefined between turns. */
  private spentMs: number | undefined;
  /** The process's CPU time (ms) at the turn's first broadcast. */
  private turnStartCpuMs = 0;
  /** Delivery time after which the turn's CPU time is read (again). */
  private checkAtMs = 0;
  /** This turn is over its budget: hold latest-state broadcasts until it ends. */
  private overBudget = false;
  private readonly clock: OverloadClock;
  /** Event-loop time at the start of the current window, when it started, and the last window's verdict. */
  private loopSample: { readonly idle: number; readonly active: number };
  private loopSampledAt: number;
  private loopBusy = false;

  constructor(
    private readonly options: OverloadConflatorOptions,
    private readonly deliver: DeliverNow,
  ) {
    this.clock = options.clock ?? PROCESS_OVERLOAD_CLOCK;
    this.loopSample = this.clock.eventLoopTime();
    this.loopSampledAt = this.clock.now();
  }

  /** Broadcasts held right now. */
  get pending(): number {
    let n = 0;
    for (const events of this.held.values()) n += events.size;
    return n;
  }

  /**
   * Delivers now, or holds a latest-state broadcast while this turn is over its budget. The message keeps its
   * `enteredAt` while held, so its latency includes the hold.
   */
  emit(message: RoomMessage, except?: readonly string[]): void {
    if (this.options.turnBudgetMs <= 0) {
      this.deliver(message, except);
      return;
    }
    if (this.spentMs === undefined) {
      this.spentMs = 0;
      this.checkAtMs = this.options.turnBudgetMs;
      this.overBudget = false;
      this.turnStartCpuMs = this.clock.cpuTimeMs();
      this.sampleLoop();
      setImmediate(this.endTurn);
    }
    const heldForRoom = this.held.get(message.room);
    if ((LATEST_STATE_EVENTS as ReadonlySet<string>).has(message.event)) {
      if (heldForRoom !== undefined || this.isOverBudget(this.spentMs)) {
        this.hold({ message, except }, heldForRoom);
        return;
      }
    } else if (heldForRoom !== undefined) {
      this.flushRoom(message.room, heldForRoom);
    }
    this.timedDeliver({ message, except });
  }

  /**
   * Reading the process's CPU time costs a system call that gets slow while the process writes to many
   * sockets (several µs), so it is read once at the start of a turn and again only when the cheap wall-clock
   * sum of the turn's deliveries says the budget may be spent.
   */
  private isOverBudget(spentMs: number): boolean {
    if (this.overBudget) return true;
    if (spentMs < this.checkAtMs) return false;
    this.sampleLoop();
    if (!this.loopBusy) {
      // Headroom: let this turn run long; look again after another budget's worth of deliveries.
      this.checkAtMs = spentMs + this.options.turnBudgetMs;
      return false;
    }
    const cpuMs = this.clock.cpuTimeMs() - this.turnStartCpuMs;
    if (cpuMs >= this.options.turnBudgetMs) {
      this.overBudget = true;
      return true;
    }
    // Descheduled for part of the turn: look again once deliveries could have used the rest of the budget.
    this.checkAtMs = spentMs + (this.options.turnBudgetMs - cpuMs);
    return false;
  }

  /** Closes the utilization window once it is long enough (also mid-turn: a very long turn is itself busy). */
  private sampleLoop(): void {
    const min = this.options.minLoopUtilization ?? 0.9;
    if (min <= 0) {
      this.loopBusy = true;
      return;
    }
    const now = this.clock.now();
    if (now - this.loopSampledAt < LOOP_WINDOW_MS) return;
    const current = this.clock.eventLoopTime();
    const active = current.active - this.loopSample.active;
    // As `performance.eventLoopUtilization(current, previous).utilization`; an empty window (NaN) is not busy.
    this.loopBusy = active / (active + current.idle - this.loopSample.idle) >= min;
    this.loopSample = current;
    this.loopSampledAt = now;
  }

  private timedDeliver({ message, except }: Held): void {
    const started = this.clock.now();
    try {
      this.deliver(message, except);
    } finally {
      if (this.spentMs !== undefined) this.spentMs += this.clock.now() - started;
    }
  }

  /** Work of this turn's deliveries done after they returned (a batch's writes): counts toward the budget. */
  charge(ms: number): void {
    if (this.spentMs !== undefined) this.spentMs += ms;
  }

  /** Sends everything held (end of turn, or shutdown). */
  flush(): void {
    for (const [room, events] of this.held) this.flushRoom(room, events);
  }

  private hold(held: Held, heldForRoom: Map<string, Held> | undefined): void {
    const { room, event } = held.message;
    let events = heldForRoom;
    if (events === undefined) {
      events = new Map();
      this.held.set(room, events);
    }
    const previous = events.get(event);
    // Re-inserting keeps the room's events in the order of their newest seq.
    if (previous !== undefined) {
      events.delete(event);
      this.options.onConflated?.(previous.message.namespace, previous.message.event);
    }
    events.set(event, held);
  }

  private flushRoom(room: string, events: Map<string, Held>): void {
    this.held.delete(room);
    for (const held of events.values()) this.timedDeliver(held);
  }

  private readonly endTurn = (): void => {
    this.spentMs = undefined;
    if (this.options.batch && this.held.size > 0) this.options.batch(() => this.flush());
    else this.flush();
  };
}
