import { rooms, USER_STREAMS } from '@ws/protocol';
import type { Socket } from 'socket.io';
import { recoverUserStreams, type UserRecoveryDeps } from './user-recovery.js';

/**
 * After a bus outage, replays to every `/user` socket of this node what the bus did not deliver while it was
 * down: from the last seq this node delivered per stream (`lastSeen`); streams it had delivered nothing of are
 * left alone (their held events all go out).
 */
export function replayAfterBusOutage(
  sockets: Iterable<Socket>,
  lastSeen: (room: string) => number | undefined,
  deps: UserRecoveryDeps,
): void {
  for (const socket of sockets) {
    const userId = (socket.data as { userId?: unknown }).userId;
    if (typeof userId !== 'string') continue;
    const since: Record<string, number> = {};
    for (const stream of USER_STREAMS) {
      const seq = lastSeen(rooms[stream](userId));
      if (seq !== undefined) since[stream] = seq;
    }
    if (Object.keys(since).length === 0) continue;
    void recoverUserStreams(socket, { userId, since, readCurrent: false }, deps);
  }
}
