import { Cluster, type Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.js';
import type { Logger } from '../logger.js';

export interface BusSubscriptionsOptions {
  /** The subscriber connection; rooms are subscribed with SSUBSCRIBE (sharded on a Cluster, plain channels otherwise). */
  sub: Redis | Cluster;
  /** The bus channel of a room. */
  channel(room: string): string;
  /** How long a room stays subscribed after this node's last member left (default 30 s): rejoins within it cost nothing. */
  lingerMs?: number;
  /** Times the linger; injectable for tests. */
  clock?: Clock;
  /**
   * Called once Redis acknowledged that a room is no longer subscribed: whatever this node kept current from
   * its messages (latest snapshot, order book) is stale from now on.
   */
  onDropped?(room: string): void;
  logger: Logger;
}

/** Channels per SSUBSCRIBE/SUNSUBSCRIBE on a single Redis (on a Cluster one command per slot). */
const BATCH = 500;

interface Entry {
  readonly channel: string;
  /** Local rooms (Socket.IO adapter rooms) that need the channel; 0 while lingering. */
  refs: number;
  /**
   * `wanted`: to be subscribed (or its last attempt failed); `subscribed`: acknowledged by Redis; `draining`:
   * the linger ran out, SUNSUBSCRIBE goes with the next batch; `subscribing`/`unsubscribing`: command under way.
   */
  state: 'wanted' | 'subscribing' | 'subscribed' | 'draining' | 'unsubscribing';
  /** Resolved when the channel is subscribed or its attempt failed. */
  waiters: (() => void)[];
  linger: unknown;
}

/**
 * The bus channels this node is subscribed to: a room's channel while the node has a member there (reference
 * counted by the caller's join/leave of the first/last member), lingering `lingerMs` after the last one left.
 * SSUBSCRIBE/SUNSUBSCRIBE are batched per event-loop turn, so a burst of joins and leaves costs a few commands,
 * and churn inside the linger costs none. `ready` resolves once Redis acknowledged the subscription: a caller
 * that reads state (snapshot, book, history) after it sees every later message on the bus.
 */
export class BusSubscriptions {
  private readonly entries = new Map<string, Entry>();
  private readonly lingerMs: number;
  private readonly clock: Clock;
  private flushScheduled = false;
  private closed = false;
  /** Commands sent, for tests and the churn figures. */
  readonly commands = { subscribe: 0, unsubscribe: 0 };

  constructor(private readonly options: BusSubscriptionsOptions) {
    this.lingerMs = options.lingerMs ?? 30_000;
    this.clock = options.clock ?? systemClock;
  }

  /** A local member appeared in the room (its first one on this node). */
  ref(room: string): void {
    const entry = this.entry(room);
    entry.refs++;
    this.stopLinger(entry);
    if (entry.state === 'draining') entry.state = 'subscribed';
  }

  /**
   * Holds the rooms' channels for a caller that reads their state now and joins them later: while held they do
   * not linger out, so the state read and the messages after it are not dropped before the join. The returned
   * release (idempotent) lets go; the linger starts then if nobody joined.
   */
  hold(rooms: readonly string[]): () => void {
    for (const room of rooms) this.ref(room);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const room of rooms) this.unref(room);
    };
  }

  /** The room's last local member left: unsubscribed after the linger unless someone comes back. */
  unref(room: string): void {
    const entry = this.entries.get(room);
    if (!entry || entry.refs === 0) return;
    entry.refs--;
    if (entry.refs === 0) this.startLinger(room, entry);
  }

  /**
   * Resolves once every room's channel is subscribed (or its attempt failed: Redis unreachable). A room nobody
   * references yet is subscribed and lingers, so a subscriber that joins right after finds it still there.
   */
  ready(rooms: readonly string[]): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const room of rooms) {
      const entry = this.entry(room);
      if (entry.refs === 0) this.startLinger(room, entry);
      if (entry.state === 'draining') entry.state = 'subscribed';
      if (entry.state === 'subscribed') continue;
      if (entry.state === 'wanted') this.schedule();
      pending.push(new Promise<void>((resolve) => entry.waiters.push(resolve)));
    }
    return pending.length === 0 ? Promise.resolve() : Promise.all(pending).then(() => undefined);
  }

  /** Whether the room's messages reach this node now. */
  has(room: string): boolean {
    return this.entries.get(room)?.state === 'subscribed';
  }

  /** Rooms subscribed now (acknowledged). */
  get size(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.state === 'subscribed') n++;
    return n;
  }

  /**
   * Subscribes every wanted room again and resolves when Redis acknowledged them all: after a reconnect,
   * the barrier before reading what the outage missed (ioredis resubscribes too; a repeat is harmless).
   */
  resubscribe(): Promise<void> {
    const rooms: string[] = [];
    for (const [room, e] of this.entries) {
      if (e.state === 'subscribed' || e.state === 'draining') e.state = 'wanted';
      if (e.state === 'wanted') rooms.push(room);
    }
    return this.ready(rooms);
  }

  close(): void {
    this.closed = true;
    const channels: string[] = [];
    for (const e of this.entries.values()) {
      this.stopLinger(e);
      for (const w of e.waiters.splice(0)) w();
      if (e.state !== 'wanted') channels.push(e.channel);
    }
    this.entries.clear();
    if (channels.length > 0) this.send('unsubscribe', channels, () => undefined);
  }

  private entry(room: string): Entry {
    let entry = this.entries.get(room);
    if (!entry) {
      entry = { channel: this.options.channel(room), refs: 0, state: 'wanted', waiters: [], linger: undefined };
      this.entries.set(room, entry);
      this.schedule();
    }
    return entry;
  }

  private startLinger(room: string, entry: Entry): void {
    this.stopLinger(entry);
    entry.linger = this.clock.setTimeout(() => {
      entry.linger = undefined;
      if (entry.refs > 0 || this.entries.get(room) !== entry) return;
      if (entry.state === 'subscribed') {
        entry.state = 'draining';
        this.schedule();
      } else if (entry.state === 'wanted' && entry.waiters.length === 0) this.entries.delete(room);
    }, this.lingerMs);
  }

  private stopLinger(entry: Entry): void {
    if (entry.linger === undefined) return;
    this.clock.clearTimeout(entry.linger);
    entry.linger = undefined;
  }

  private schedule(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) return;
    const subscribe: [string, Entry][] = [];
    const unsubscribe: [string, Entry][] = [];
    for (const pair of this.entries) {
      const e = pair[1];
      if (e.state === 'wanted' && (e.refs > 0 || e.waiters.length > 0 || e.linger !== undefined)) {
        e.state = 'subscribing';
        subscribe.push(pair);
      } else if (e.state === 'draining') {
        e.state = 'unsubscribing';
        unsubscribe.push(pair);
      }
    }
    for (const batch of this.batches(subscribe)) {
      this.send(
        'subscribe',
        batch.map(([, e]) => e.channel),
        (ok) => {
          for (const [room, e] of batch) this.subscribed(room, e, ok);
        },
      );
    }
    for (const batch of this.batches(unsubscribe)) {
      this.send(
        'unsubscribe',
        batch.map(([, e]) => e.channel),
        (ok) => {
          for (const [room, e] of batch) this.unsubscribed(room, e, ok);
        },
      );
    }
  }

  private subscribed(room: string, e: Entry, ok: boolean): void {
    if (this.entries.get(room) !== e) return;
    e.state = ok ? 'subscribed' : 'wanted';
    for (const w of e.waiters.splice(0)) w();
    if (!ok) return;
    // Nobody joined within the linger while the command was under way: drop it in turn.
    if (e.refs === 0 && e.linger === undefined) this.startLinger(room, e);
  }

  private unsubscribed(room: string, e: Entry, ok: boolean): void {
    if (this.entries.get(room) !== e) return;
    if (!ok) {
      // Still subscribed as far as anyone knows (ioredis resubscribes it on reconnect): try again later.
      e.state = 'subscribed';
      if (e.refs === 0) this.startLinger(room, e);
      return;
    }
    this.options.onDropped?.(room);
    if (e.refs > 0 || e.waiters.length > 0) {
      // Wanted again while the command was under way: a fresh subscription (the state in between is gone).
      e.state = 'wanted';
      this.schedule();
      return;
    }
    this.entries.delete(room);
  }

  /** Single Redis: up to BATCH channels a command; Cluster: one command per channel (each `{room}` has its own slot). */
  private batches(pairs: [string, Entry][]): [string, Entry][][] {
    const size = this.options.sub instanceof Cluster ? 1 : BATCH;
    const out: [string, Entry][][] = [];
    for (let i = 0; i < pairs.length; i += size) out.push(pairs.slice(i, i + size));
    return out;
  }

  private send(kind: 'subscribe' | 'unsubscribe', channels: string[], done: (ok: boolean) => void): void {
    const { sub, logger } = this.options;
    this.commands[kind]++;
    const pending = kind === 'subscribe' ? sub.ssubscribe(...channels) : sub.sunsubscribe(...channels);
    pending.then(
      () => done(true),
      (err: unknown) => {
        if (!this.closed) logger.warn({ err, channels: channels.length }, `bus ${kind} failed; retried`);
        done(false);
      },
    );
  }
}
