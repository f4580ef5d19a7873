import { rooms, USER_STREAMS, type UserRecoverySince } from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { Logger } from './logger.js';
import type { BusMessage } from './redis-sequence-store.js';
import type { HistoryEntry, HistoryRead, UserStreamHistory } from './user-stream-history.js';

export interface UserRecoveryDeps {
  history: UserStreamHistory;
  /** The cluster bus: holds live messages for the socket while its history is read (async with Redis). */
  holds?: {
    hold(socketId: string, rooms: readonly string[]): void;
    release(
      socketId: string,
      rooms: readonly string[],
      upTo?: ReadonlyMap<string, number>,
      waitMs?: number,
    ): Promise<BusMessage[]>;
  };
  send(socket: Socket, event: string, payload: object): void;
  logger: Logger;
}

/**
 * Replays the `/user` events a reconnecting client missed, per private room after the seq it last saw,
 * then lets live events through: `authenticated(recovered)` first, then the replay in seq order per
 * room, then whatever arrived live meanwhile minus what the replay already carried. A room whose
 * history is incomplete (trimmed or past the window) is not replayed and makes `recovered` false.
 * The socket must already be in its rooms; with a synchronous history everything happens in this tick.
 */
export function recoverUserStreams(
  socket: Socket,
  userId: string,
  since: UserRecoverySince,
  deps: UserRecoveryDeps,
  authenticated: (recovered: boolean) => void,
): void | Promise<void> {
  const all = rooms.allForUser(userId);
  const wanted = USER_STREAMS.flatMap((stream) => {
    const after = since[stream];
    return after === undefined ? [] : [{ room: rooms[stream](userId), after }];
  });
  deps.holds?.hold(socket.id, all);
  const finish = (results: (HistoryRead | undefined)[]): void | Promise<void> => {
    const lastSent = new Map<string, number>();
    const replayed = new Map<string, number>();
    const queues: { room: string; entries: HistoryEntry[] }[] = [];
    results.forEach((read, i) => {
      const w = wanted[i];
      if (!w || !read?.complete) return;
      lastSent.set(w.room, w.after);
      queues.push({ room: w.room, entries: read.entries });
    });
    authenticated(results.every((r) => r?.complete === true));
    // Merge the rooms by publish time, keeping each room in seq order.
    for (;;) {
      let pick: { room: string; entries: HistoryEntry[] } | undefined;
      for (const q of queues) {
        const head = q.entries[0];
        if (head && (!pick || head.time < (pick.entries[0]?.time ?? Number.POSITIVE_INFINITY))) pick = q;
      }
      const entry = pick?.entries.shift();
      if (!pick || !entry) break;
      deps.send(socket, entry.event, entry.payload);
      lastSent.set(pick.room, entry.seq);
      replayed.set(pick.room, entry.seq);
    }
    if (!deps.holds) return;
    return deps.holds.release(socket.id, all, replayed).then((held) => {
      for (const m of held) {
        if (m.seq > (lastSent.get(m.room) ?? 0)) deps.send(socket, m.event, { ...m.data, seq: m.seq });
      }
    });
  };
  const reads = wanted.map((w) => deps.history.since(w.room, w.after));
  if (reads.every((r): r is HistoryRead => !(r instanceof Promise))) return finish(reads);
  return Promise.all(
    reads.map((r) =>
      Promise.resolve(r).catch((err: unknown) => {
        deps.logger.warn({ err, userId }, 'history read failed; recovery reported as failed');
        return undefined;
      }),
    ),
  )
    .then(finish)
    .catch((err: unknown) => {
      deps.logger.error({ err, userId }, 'user stream recovery failed');
      void deps.holds?.release(socket.id, all, new Map(), 0);
    });
}
