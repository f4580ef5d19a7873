import type { Namespace } from 'socket.io';
import type { Recipient, TransportInternals } from './transport-internals.js';

/** The adapter events that say a room's members changed (socket.io-adapter emits them, also on disconnect). */
interface RoomEvents {
  on(event: 'join-room' | 'leave-room', listener: (room: string) => void): unknown;
  off(event: 'join-room' | 'leave-room', listener: (room: string) => void): unknown;
}

/**
 * The members of each room on this node as an array of recipients, built on the first message to the room
 * and again only after someone joined or left it (the adapter's `join-room` / `leave-room`, which a
 * disconnect emits too). A fan-out then walks an array instead of the adapter's `Set` of ids with a
 * `nsp.sockets` lookup per member, and each recipient carries its WebSocket (see `Recipient`), so the
 * per-message work per member is the checks that can change between messages: open, idle, listeners.
 */
export class RoomRecipients {
  readonly transport: TransportInternals;
  readonly #rooms = new Map<Namespace, Map<string, readonly Recipient[]>>();
  readonly #detach: (() => void)[] = [];
  #changes = 0;

  constructor(transport: TransportInternals) {
    this.transport = transport;
  }

  /**
   * Counts every join and leave on the watched namespaces: a fan-out that runs listeners (`socket.emit`,
   * Engine.IO's queue) compares it to see whether a member may have left meanwhile.
   */
  get changes(): number {
    return this.#changes;
  }

  /** The room's members on this node (undefined: no such room here). Treat as read-only: it is shared. */
  members(nsp: Namespace, room: string): readonly Recipient[] | undefined {
    let rooms = this.#rooms.get(nsp);
    if (rooms === undefined) {
      rooms = new Map();
      this.#rooms.set(nsp, rooms);
      this.#watch(nsp.adapter as unknown as RoomEvents, rooms);
    }
    const cached = rooms.get(room);
    if (cached !== undefined) return cached;
    const ids = nsp.adapter.rooms.get(room);
    if (ids === undefined) return undefined;
    const list: Recipient[] = [];
    let complete = true;
    for (const id of ids) {
      const socket = nsp.sockets.get(id);
      if (socket === undefined) complete = false;
      else list.push(this.transport.recipient(socket));
    }
    // A member not (yet) in `nsp.sockets` (joined in a middleware) arrives there without a join event:
    // such a list is used once and built again next time.
    if (complete) rooms.set(room, list);
    return list;
  }

  close(): void {
    for (const detach of this.#detach.splice(0)) detach();
    this.#rooms.clear();
  }

  #watch(adapter: RoomEvents, rooms: Map<string, readonly Recipient[]>): void {
    const changed = (room: string) => {
      this.#changes++;
      rooms.delete(room);
    };
    adapter.on('join-room', changed);
    adapter.on('leave-room', changed);
    this.#detach.push(() => {
      adapter.off('join-room', changed);
      adapter.off('leave-room', changed);
    });
  }
}
