/**
 * Per-room sequence numbers: the first message of a room gets 1, each next one exactly one more.
 * Implementations may be async (Redis); the broadcaster serialises per room either way.
 */
export interface SequenceStore {
  /** Reserves and returns the next seq of the room. */
  next(room: string): number | Promise<number>;
  /** The last seq handed out for the room (0 when none). */
  current(room: string): number | Promise<number>;
}

/** Process-local sequence numbers. */
export class MemorySequenceStore implements SequenceStore {
  private readonly seqs = new Map<string, number>();

  next(room: string): number {
    const seq = (this.seqs.get(room) ?? 0) + 1;
    this.seqs.set(room, seq);
    return seq;
  }

  current(room: string): number {
    return this.seqs.get(room) ?? 0;
  }
}
