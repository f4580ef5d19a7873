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

interface ConnectionRecord extends ConnectionIdentity {
  rooms: Set<string>;
  in: Traffic;
  /** Messages emitted to this socket alone. */
  directOut: Traffic;
  /** Room traffic of rooms the socket has left, settled when it left. */
  settledOut: Traffic;
  /** Each joined room's cumulative traffic at join time; the difference to now is this socket's share. */
  roomBase: Map<string, Traffic>;
}

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
    this.connections.set(identity.socketId, {
      ...identity,
      rooms: new Set(),
      in: { messages: 0, bytes: 0 },
      directOut: { messages: 0, bytes: 0 },
      settledOut: { messages: 0, bytes: 0 },
      roomBase: new Map(),
    });
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
    if (!c || room === socketId || c.rooms.has(room)) return;
    c.rooms.add(room);
    const t = this.roomTraffic.get(key(namespace, room));
    c.roomBase.set(room, { messages: t?.messages ?? 0, bytes: t?.bytes ?? 0 });
  }

  /** A socket left a room (fed from the adapter's `leave-room` event). */
  left(room: string, socketId: string): void {
    const c = this.connections.get(socketId);
    if (!c?.rooms.delete(room)) return;
    const share = this.roomShare(c, room);
    c.settledOut.messages += share.messages;
    c.settledOut.bytes += share.bytes;
    c.roomBase.delete(room);
  }

  /** The last socket left the room: drop its counters. */
  roomDeleted(namespace: string, room: string): void {
    this.roomTraffic.delete(key(namespace, room));
  }

  recordIn(socketId: string, bytes: number): void {
    const c = this.connections.get(socketId);
    if (!c) return;
    c.in.messages++;
    c.in.bytes += bytes;
  }

  recordOut(socketId: string, bytes: number): void {
    const c = this.connections.get(socketId);
    if (!c) return;
    c.directOut.messages++;
    c.directOut.bytes += bytes;
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

  private roomShare(c: ConnectionRecord, room: string): Traffic {
    const base = c.roomBase.get(room);
    const t = this.roomTraffic.get(key(c.namespace, room));
    if (!base || !t) return { messages: 0, bytes: 0 };
    return { messages: t.messages - base.messages, bytes: t.bytes - base.bytes };
  }

  private toInfo(c: ConnectionRecord): ConnectionInfo {
    let messagesOut = c.directOut.messages + c.settledOut.messages;
    let bytesOut = c.directOut.bytes + c.settledOut.bytes;
    for (const room of c.rooms) {
      const share = this.roomShare(c, room);
      messagesOut += share.messages;
      bytesOut += share.bytes;
    }
    return {
      socketId: c.socketId,
      namespace: c.namespace,
      userId: c.userId,
      role: c.role,
      ip: c.ip,
      userAgent: c.userAgent,
      connectedAt: c.connectedAt,
      rooms: [...c.rooms],
      messagesIn: c.in.messages,
      messagesOut,
      bytesIn: c.in.bytes,
      bytesOut,
      nodeId: this.nodeId,
    };
  }
}

function key(namespace: string, room: string): string {
  return `${namespace}\u0000${room}`;
}
