import type { ConnectionInfo, NamespaceName, Role } from '@ws/protocol';

/** What the server records about a connection when it is accepted. */
export interface ConnectionIdentity {
  socketId: string;
  namespace: NamespaceName;
  userId: string | null;
  role: Role | null;
  ip: string;
  userAgent: string;
  connectedAt: number;
}

interface Traffic {
  messages: number;
  bytes: number;
}

/**
 * One connection, kept compact because there is one per connected client: a class (one shared hidden class;
 * an object spread gave every record its own), counters as plain fields instead of nested objects, and the
 * joined rooms as one flat array `[room, messagesAtJoin, bytesAtJoin, …]` (a socket is in a few rooms;
 * an empty Set or Map alone costs about 200 bytes).
 */
class ConnectionRecord {
  messagesIn = 0;
  bytesIn = 0;
  /** Messages emitted to this socket alone, plus the shares of rooms it has left (settled when it left). */
  messagesOut = 0;
  bytesOut = 0;
  /** Each joined room with its cumulative traffic at join time; the difference to now is this socket's share. */
  rooms: (string | number)[] | undefined = undefined;

  constructor(
    readonly socketId: string,
    readonly namespace: NamespaceName,
    readonly userId: string | null,
    readonly role: Role | null,
    readonly ip: string,
    readonly userAgent: string,
    readonly connectedAt: number,
  ) {}

  /** Index of `room` in `rooms`, or -1. */
  roomIndex(room: string): number {
    const rooms = this.rooms;
    if (rooms === undefined) return -1;
    for (let i = 0; i < rooms.length; i += ROOM_STRIDE) if (rooms[i] === room) return i;
    return -1;
  }
}

/** Entries per room in `ConnectionRecord.rooms`: name, messages at join, bytes at join. */
const ROOM_STRIDE = 3;

export interface ConnectionFilter {
  namespace?: string;
  userId?: string;
  limit?: number;
}

/**
 * Every connection of this node with its identity, rooms and traffic. Room fan-out is counted once per
 * room message (cumulative per-room counters) and attributed to a socket only when read, so the
 * broadcast path stays O(1) in JavaScript.
 */
export class ConnectionManager {
  private readonly connections = new Map<string, ConnectionRecord>();
  private readonly roomTraffic = new Map<string, Traffic>();

  constructor(private readonly nodeId: string) {}

  add(identity: ConnectionIdentity): void {
    const { socketId, namespace, userId, role, ip, userAgent, connectedAt } = identity;
    this.connections.set(socketId, new ConnectionRecord(socketId, namespace, userId, role, ip, userAgent, connectedAt));
  }

  remove(socketId: string): void {
    this.connections.delete(socketId);
  }

  has(socketId: string): boolean {
    return this.connections.has(socketId);
  }

  get size(): number {
    return this.connections.size;
  }

  count(namespace?: string): number {
    if (namespace === undefined) return this.connections.size;
    let n = 0;
    for (const c of this.connections.values()) if (c.namespace === namespace) n++;
    return n;
  }

  /** A socket joined a room (fed from the adapter's `join-room` event). */
  joined(namespace: string, room: string, socketId: string): void {
    const c = this.connections.get(socketId);
    if (!c || room === socketId || c.roomIndex(room) >= 0) return;
    const t = this.roomTraffic.get(key(namespace, room));
    const entry = [room, t?.messages ?? 0, t?.bytes ?? 0];
    // Exactly sized: a push onto an empty array would reserve room for 17 entries.
    c.rooms = c.rooms === undefined ? entry : c.rooms.concat(entry);
  }

  /** A socket left a room (fed from the adapter's `leave-room` event). */
  left(room: string, socketId: string): void {
    const c = this.connections.get(socketId);
    const i = c?.roomIndex(room) ?? -1;
    if (!c?.rooms || i < 0) return;
    const share = this.roomShare(c, i);
    c.messagesOut += share.messages;
    c.bytesOut += share.bytes;
    c.rooms.splice(i, ROOM_STRIDE);
    if (c.rooms.length === 0) c.rooms = undefined;
  }

  /** The last socket left the room: drop its counters. */
  roomDeleted(namespace: string, room: string): void {
    this.roomTraffic.delete(key(namespace, room));
  }

  recordIn(socketId: string, bytes: number): void {
    const c = this.connections.get(socketId);
    if (!c) return;
    c.messagesIn++;
    c.bytesIn += bytes;
  }

  recordOut(socketId: string, bytes: number): void {
    const c = this.connections.get(socketId);
    if (!c) return;
    c.messagesOut++;
    c.bytesOut += bytes;
  }

  /** One message emitted to a room: every current member's share grows by one message. */
  recordRoomOut(namespace: string, room: string, bytes: number): void {
    const k = key(namespace, room);
    const t = this.roomTraffic.get(k);
    if (t) {
      t.messages++;
      t.bytes += bytes;
    } else {
      this.roomTraffic.set(k, { messages: 1, bytes });
    }
  }

  info(socketId: string): ConnectionInfo | undefined {
    const c = this.connections.get(socketId);
    return c ? this.toInfo(c) : undefined;
  }

  /** Connections matching the filter (all when empty), newest last; `total` counts before the limit. */
  list(filter: ConnectionFilter = {}): { connections: ConnectionInfo[]; total: number } {
    const matching: ConnectionRecord[] = [];
    for (const c of this.connections.values()) {
      if (filter.namespace !== undefined && c.namespace !== filter.namespace) continue;
      if (filter.userId !== undefined && c.userId !== filter.userId) continue;
      matching.push(c);
    }
    const limited = filter.limit === undefined ? matching : matching.slice(0, filter.limit);
    return { connections: limited.map((c) => this.toInfo(c)), total: matching.length };
  }

  socketIds(filter: ConnectionFilter = {}): string[] {
    return this.list(filter).connections.map((c) => c.socketId);
  }

  /** The traffic of the room at `rooms[i]` since the socket joined it. */
  private roomShare(c: ConnectionRecord, i: number): Traffic {
    const rooms = c.rooms as (string | number)[];
    const t = this.roomTraffic.get(key(c.namespace, rooms[i] as string));
    if (!t) return { messages: 0, bytes: 0 };
    return { messages: t.messages - (rooms[i + 1] as number), bytes: t.bytes - (rooms[i + 2] as number) };
  }

  private toInfo(c: ConnectionRecord): ConnectionInfo {
    let messagesOut = c.messagesOut;
    let bytesOut = c.bytesOut;
    const rooms: string[] = [];
    for (let i = 0; c.rooms !== undefined && i < c.rooms.length; i += ROOM_STRIDE) {
      const share = this.roomShare(c, i);
      messagesOut += share.messages;
      bytesOut += share.bytes;
      rooms.push(c.rooms[i] as string);
    }
    return {
      socketId: c.socketId,
      namespace: c.namespace,
      userId: c.userId,
      role: c.role,
      ip: c.ip,
      userAgent: c.userAgent,
      connectedAt: c.connectedAt,
      rooms,
      messagesIn: c.messagesIn,
      messagesOut,
      bytesIn: c.bytesIn,
      bytesOut,
      nodeId: this.nodeId,
    };
  }
}

function key(namespace: string, room: string): string {
  return `${namespace}\u0000${room}`;
}
