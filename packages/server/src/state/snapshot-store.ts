/** The latest message published to a room, so a new subscriber starts from a current state. */
export interface RoomSnapshot {
  event: string;
  payload: Record<string, unknown>;
}

/** Latest message per room. Synchronous on purpose: the subscribe path reads it in the same tick it joins. */
export interface SnapshotStore {
  get(room: string): RoomSnapshot | undefined;
  set(room: string, snapshot: RoomSnapshot): void;
  delete(room: string): void;
}

/** Process-local snapshots. */
export class MemorySnapshotStore implements SnapshotStore {
  private readonly snapshots = new Map<string, RoomSnapshot>();

  get(room: string): RoomSnapshot | undefined {
    return this.snapshots.get(room);
  }

  set(room: string, snapshot: RoomSnapshot): void {
    this.snapshots.set(room, snapshot);
  }

  delete(room: string): void {
    this.snapshots.delete(room);
  }
}
