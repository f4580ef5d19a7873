/** Payload of the `gap` event: messages of `room` between `expected` and `received` may be lost. */
export interface GapEvent {
  room: string;
  /** The seq that should have come next (last seen + 1). */
  expected: number;
  /** The seq that came instead. Lower than `expected` when the server's sequence restarted. */
  received: number;
  /** `live` for a jump in a running stream, `reconnect` for the first message after a reconnect. */
  cause: 'live' | 'reconnect';
}

/**
 * Last seq per room. A message whose seq is not last + 1 is a gap; after a reconnect the first
 * message of each room is compared with what it had before the drop.
 */
export class SequenceTracker {
  readonly #last = new Map<string, number>();
  readonly #restoring = new Set<string>();

  /** Records `seq` for `room`; returns the gap it reveals, or null. */
  observe(room: string, seq: number): GapEvent | null {
    const last = this.#last.get(room);
    this.#last.set(room, seq);
    const cause = this.#restoring.delete(room) ? 'reconnect' : 'live';
    if (last === undefined || seq === last + 1) return null;
    // The same seq again (a snapshot of the state we already have) loses nothing.
    if (seq === last) return null;
    return { room, expected: last + 1, received: seq, cause };
  }

  /**
   * Sets where `room` continues from the server's word (`connection.authenticated.streams`), so a
   * reconnect can ask for what it missed even before the room's first event. The first value is the
   * baseline; a later one that differs from the last seq seen means events were lost (a gap).
   */
  seed(room: string, seq: number): GapEvent | null {
    const last = this.#last.get(room);
    this.#last.set(room, seq);
    const cause = this.#restoring.delete(room) ? 'reconnect' : 'live';
    if (last === undefined || seq === last) return null;
    // Nothing came yet: the next message would be seq + 1.
    return { room, expected: last + 1, received: seq + 1, cause };
  }

  /** Marks every tracked room whose name passes `filter` as restoring after a reconnect. */
  markRestoring(filter: (room: string) => boolean = () => true): void {
    for (const room of this.#last.keys()) if (filter(room)) this.#restoring.add(room);
  }

  lastSeq(room: string): number | undefined {
    return this.#last.get(room);
  }

  forget(room: string): void {
    this.#last.delete(room);
    this.#restoring.delete(room);
  }

  rooms(): string[] {
    return [...this.#last.keys()];
  }
}
