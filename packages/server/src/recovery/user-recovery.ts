import { rooms, USER_STREAMS, type UserRecoverySince } from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { OutboundEvent } from '../delivery/room-message.js';
import type { Logger } from '../logger.js';
import type { BusMessage } from '../state/sequenced-message.js';
import type { HistoryEntry, HistoryRead, UserStreamHistory } from '../state/user-stream-history.js';

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
    /** Resolves once the bus carries these rooms to this node: the history is read after it, so no event falls between. */
    subscribed?(rooms: readonly string[]): Promise<void>;
  };
  send(socket: Socket, message: OutboundEvent): void;
  logger: Logger;
}

export interface UserRecoveryOptions {
  /** The socket's verified user id. */
  userId: string;
  /** Where the client's streams stand (its handshake `since`, or what this node delivered before a bus outage). */
  since: UserRecoverySince | undefined;
  /**
   * Whether streams without `since` are read for where they stand (a new connection), or left alone with all
   * their held events going out (a live session after a bus outage). Default true.
   */
  readCurrent?: boolean;
  /** Called once, before any replayed event, with the outcome and where each stream continues. */
  onRecovered?(recovered: boolean | undefined, streams: UserRecoverySince): void;
}

/**
 * Starts a `/user` connection's private streams without a gap: for each stream it sends, in this order,
 * `onRecovered(recovered, streams)`, the events missed after the client's `since` (in seq order per
 * room), then whatever arrived live meanwhile minus what the replay carried. `streams` tells the client
 * where each stream continues (its `since` when replayed, else the room's current seq), so it can ask for
 * a replay at its next reconnect even before it saw an event. A stream whose history is incomplete
 * (trimmed or past the window) is not replayed and makes `recovered` false; `recovered` is undefined when
 * the client sent no `since`. The socket must already be in its rooms; with a synchronous history
 * everything happens in this tick.
 */
export function recoverUserStreams(
  socket: Socket,
  options: UserRecoveryOptions,
  deps: UserRecoveryDeps,
): void | Promise<void> {
  const { userId, since, readCurrent = true } = options;
  const all = rooms.allForUser(userId);
  const wanted = USER_STREAMS.map((stream) => {
    const after = since?.[stream];
    return { stream, room: rooms[stream](userId), after };
  });
  deps.holds?.hold(socket.id, all);
  const finish = (results: (HistoryRead | undefined)[]): void | Promise<void> => {
    const lastSent = new Map<string, number>();
    const replayed = new Map<string, number>();
    const queues: { room: string; entries: HistoryEntry[] }[] = [];
    const streams: UserRecoverySince = {};
    let recovered = true;
    results.forEach((read, i) => {
      const w = wanted[i];
      if (!w || (w.after === undefined && !readCurrent)) return;
      if (!read) {
        recovered = false;
        return;
      }
      if (w.after !== undefined && read.complete) {
        streams[w.stream] = w.after;
        lastSent.set(w.room, w.after);
        queues.push({ room: w.room, entries: read.entries });
        return;
      }
      if (w.after !== undefined) recovered = false;
      streams[w.stream] = read.current;
      lastSent.set(w.room, read.current);
    });
    options.onRecovered?.(since === undefined ? undefined : recovered, streams);
    // Merge the rooms by publish time, keeping each room in seq order.
    for (;;) {
      let pick: { room: string; entries: HistoryEntry[] } | undefined;
      for (const q of queues) {
        const head = q.entries[0];
        if (head && (!pick || head.time < (pick.entries[0]?.time ?? Number.POSITIVE_INFINITY))) pick = q;
      }
      const entry = pick?.entries.shift();
      if (!pick || !entry) break;
      deps.send(socket, entry);
      lastSent.set(pick.room, entry.seq);
      replayed.set(pick.room, entry.seq);
    }
    if (!deps.holds) return;
    return deps.holds.release(socket.id, all, replayed).then((held) => {
      for (const m of held) {
        if (m.seq > (lastSent.get(m.room) ?? 0))
          deps.send(socket, { event: m.event, payload: { ...m.data, seq: m.seq } });
      }
    });
  };
  // A stream without `since` is read from its current seq: nothing to replay, only where it stands.
  const read = () =>
    wanted.map((w) =>
      w.after === undefined && !readCurrent
        ? undefined
        : deps.history.since(w.room, w.after ?? Number.MAX_SAFE_INTEGER - 1),
    );
  const subscribed = deps.holds?.subscribed?.(all);
  const reads = subscribed ? undefined : read();
  if (reads?.every((r): r is HistoryRead | undefined => !(r instanceof Promise))) return finish(reads);
  return Promise.resolve(subscribed)
    .then(() =>
      Promise.all(
        (reads ?? read()).map((r) =>
          Promise.resolve(r).catch((err: unknown) => {
            deps.logger.warn({ err, userId }, 'history read failed; recovery reported as failed');
            return undefined;
          }),
        ),
      ),
    )
    .then(finish)
    .catch((err: unknown) => {
      deps.logger.error({ err, userId }, 'user stream recovery failed');
      void deps.holds?.release(socket.id, all, new Map(), 0);
    });
}
