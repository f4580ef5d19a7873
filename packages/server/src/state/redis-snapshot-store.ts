import type { RedisSequenceStore } from './redis-sequence-store.js';
import type { RoomSnapshot, SnapshotStore } from './snapshot-store.js';

const seqOf = (s: RoomSnapshot | undefined): number => (typeof s?.payload.seq === 'number' ? s.payload.seq : 0);

/**
 * Latest message per room, shared through Redis: the publish script stores it with its seq, every node
 * keeps a local copy current from the bus, and a room this node has not seen yet is loaded from Redis
 * before a subscriber joins (`load`). Reads stay synchronous so joining and reading happen in one tick.
 * A copy is only ever replaced by a newer seq, so a late Redis read can never roll it back.
 */
export class RedisSnapshotStore implements SnapshotStore {
  private readonly local = new Map<string, RoomSnapshot>();

  constructor(private readonly store: RedisSequenceStore) {}

  get(room: string): RoomSnapshot | undefined {
    return this.local.get(room);
  }

  /** Keeps the newer of the current copy and `snapshot`. */
  set(room: string, snapshot: RoomSnapshot): void {
    if (seqOf(snapshot) >= seqOf(this.local.get(room))) this.local.set(room, snapshot);
  }

  delete(room: string): void {
    this.local.delete(room);
  }

  /** Forgets every local copy (after a bus outage they may be stale); the next subscribe reloads them. */
  clear(): void {
    this.local.clear();
  }

  /** Loads the rooms this node holds no copy of from Redis. */
  async load(rooms: readonly string[]): Promise<void> {
    const missing = rooms.filter((r) => !this.local.has(r));
    const loaded = await Promise.all(missing.map((r) => this.store.snapshot(r)));
    for (const m of loaded) {
      if (m) this.set(m.room, { event: m.event, payload: { ...m.data, seq: m.seq } });
    }
  }
}
