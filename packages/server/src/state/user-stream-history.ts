import { type Clock, systemClock } from '../clock.js';
import type { RedisSequenceStore } from './redis-sequence-store.js';

/** One private event as it went out. */
export interface HistoryEntry {
  seq: number;
  /** When it was published (ms since epoch). */
  time: number;
  event: string;
  payload: Record<string, unknown>;
}

/** The events of a room after a seq; `complete` is false when any of them is gone (trimmed or past the window). */
export interface HistoryRead {
  complete: boolean;
  entries: HistoryEntry[];
  /** The room's last seq at the time of the read. */
  current: number;
}

/** Recent `/user` events per room, for replay after a reconnect. May be synchronous (memory) or async (Redis). */
export interface UserStreamHistory {
  since(room: string, afterSeq: number): HistoryRead | Promise<HistoryRead>;
}

export interface HistoryLimits {
  /** How long events stay replayable. */
  windowMs: number;
  /** Most events kept per room. */
  maxEvents: number;
}

/** The contiguous run `afterSeq+1 .. current` out of what is still inside the window (which ends `now`). */
function read(
  afterSeq: number,
  current: number,
  all: readonly HistoryEntry[],
  windowMs: number,
  now: number,
): HistoryRead {
  const oldest = now - windowMs;
  const entries = all.filter((e) => e.seq > afterSeq && e.time >= oldest);
  const contiguous = entries.every((e, i) => e.seq === afterSeq + 1 + i);
  return { complete: afterSeq <= current && contiguous && entries.length === current - afterSeq, entries, current };
}

/** Single-node history in memory, bounded by the window and `maxEvents` per room. */
export class MemoryUserStreamHistory implements UserStreamHistory {
  private readonly rooms = new Map<string, { current: number; entries: HistoryEntry[] }>();

  /** `clock` times the entries and the window: a test moves a manual one past it instead of waiting. */
  constructor(
    private readonly limits: HistoryLimits,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Records an event as published now. */
  append(room: string, event: Omit<HistoryEntry, 'time'>): void {
    const entry = { ...event, time: this.clock.now() };
    let r = this.rooms.get(room);
    if (!r) {
      r = { current: 0, entries: [] };
      this.rooms.set(room, r);
    }
    r.current = entry.seq;
    r.entries.push(entry);
    if (r.entries.length > this.limits.maxEvents) r.entries.splice(0, r.entries.length - this.limits.maxEvents);
  }

  since(room: string, afterSeq: number): HistoryRead {
    const r = this.rooms.get(room);
    return read(afterSeq, r?.current ?? 0, r?.entries ?? [], this.limits.windowMs, this.clock.now());
  }

  /** Drops events past the window; rooms left empty keep only their seq (a few bytes) so recovery stays exact. */
  sweep(): void {
    const oldest = this.clock.now() - this.limits.windowMs;
    for (const r of this.rooms.values()) {
      const keep = r.entries.findIndex((e) => e.time >= oldest);
      if (keep !== 0) r.entries.splice(0, keep < 0 ? r.entries.length : keep);
    }
  }
}

/** Cluster-wide history in Redis Streams, written by the publish script in the same step as the seq. */
export class RedisUserStreamHistory implements UserStreamHistory {
  constructor(
    private readonly store: RedisSequenceStore,
    private readonly limits: HistoryLimits,
    /** The window's end; entries carry the publishing node's time (`RedisSequenceStore`'s clock). */
    private readonly clock: Clock = systemClock,
  ) {}

  async since(room: string, afterSeq: number): Promise<HistoryRead> {
    const { current, entries } = await this.store.history(room, afterSeq, this.limits.maxEvents + 1);
    const mapped = entries.map(({ time, message }) => ({
      seq: message.seq,
      time,
      event: message.event,
      payload: { ...message.data, seq: message.seq },
    }));
    return read(afterSeq, current, mapped, this.limits.windowMs, this.clock.now());
  }
}
