import { type NamespaceName, parseRoom, type SubscriptionStats } from '@ws/protocol';
import { WsError } from '../ws-error.js';

/** Subscription limits; see the package README for how they compose. */
export interface SubscriptionLimits {
  /** Distinct symbols one connection may subscribe to (per namespace connection). */
  maxSymbolsPerConnection: number;
  /** Rooms (channel × symbol) one `/market` connection may hold. */
  maxRoomsPerConnection: number;
  /** Rooms one user may hold across all their connections and namespaces (anonymous: per connection). */
  maxChannelsPerUser: number;
}

/** One room a client asks for, with the symbol it is about. */
export interface RoomRequest {
  room: string;
  symbol: string;
}

/**
 * One per connection. `rooms` is an exactly sized array, replaced when rooms are added, not a Set: a
 * connection holds few rooms (at most `maxSymbolsPerConnection`, 100 by default), an empty Set alone costs
 * about 200 bytes, and a `push` onto an empty array reserves room for 17.
 */
class Subscriber {
  rooms: string[] = [];

  constructor(
    readonly namespace: NamespaceName,
    readonly userId: string | null,
  ) {}
}

/**
 * Who is subscribed to what, with the limits. Pure bookkeeping (no Socket.IO): `subscribe` checks every
 * limit first and applies all or nothing; the caller joins the returned rooms in the same tick.
 *
 * Composition, each limit binding in its own case:
 * - `maxSymbolsPerConnection` (100): distinct symbols per connection, on `/prices` and `/market`. It binds an
 *   anonymous `/prices` connection, whose rooms are its symbols.
 * - `maxRoomsPerConnection` (20, the seed's "rooms per namespace"): rooms (channel × symbol) per `/market`
 *   connection, checked on `/market` only because a `/prices` room is one symbol, already bounded above.
 * - `maxChannelsPerUser` (50): rooms of one authenticated user across all their connections, namespaces
 *   and (with Redis) nodes. Anonymous connections have no user and are not counted.
 */
export class SubscriptionManager {
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly roomCounts = new Map<string, number>();
  private readonly userCounts = new Map<string, number>();
  private readonly known: ReadonlySet<string>;

  constructor(
    private readonly limits: SubscriptionLimits,
    symbols: readonly string[],
  ) {
    this.known = new Set(symbols);
  }

  isKnownSymbol(symbol: string): boolean {
    return this.known.has(symbol);
  }

  /** Throws UNKNOWN_SYMBOL naming every symbol that is not configured. */
  assertKnownSymbols(symbols: readonly string[]): void {
    const unknown = [...new Set(symbols.filter((s) => !this.known.has(s)))];
    if (unknown.length > 0) {
      const list = unknown.slice(0, 5).join(', ') + (unknown.length > 5 ? ', ...' : '');
      throw new WsError('UNKNOWN_SYMBOL', `unknown symbol${unknown.length > 1 ? 's' : ''}: ${list}`);
    }
  }

  register(socketId: string, namespace: NamespaceName, userId: string | null): void {
    if (!this.subscribers.has(socketId)) this.subscribers.set(socketId, new Subscriber(namespace, userId));
  }

  /**
   * Checks every limit for the requested rooms and records them; returns the rooms that are new for this
   * connection (already-held rooms are idempotent). Throws LIMIT_EXCEEDED and records nothing on failure.
   */
  subscribe(socketId: string, requests: readonly RoomRequest[]): string[] {
    const sub = this.subscriber(socketId);
    const added: RoomRequest[] = [];
    const seen = new Set<string>(sub.rooms);
    for (const r of requests) {
      if (seen.has(r.room)) continue;
      seen.add(r.room);
      added.push(r);
    }
    if (added.length === 0) return [];

    const symbols = new Set<string>();
    for (const room of sub.rooms) {
      const parsed = parseRoom(room);
      if (parsed && 'symbol' in parsed) symbols.add(parsed.symbol);
    }
    for (const r of added) symbols.add(r.symbol);
    const { maxSymbolsPerConnection, maxRoomsPerConnection, maxChannelsPerUser } = this.limits;
    if (symbols.size > maxSymbolsPerConnection) {
      throw limitError(`at most ${maxSymbolsPerConnection} symbols per connection`);
    }
    const roomsAfter = sub.rooms.length + added.length;
    if (sub.namespace === '/market' && roomsAfter > maxRoomsPerConnection) {
      throw limitError(`at most ${maxRoomsPerConnection} channels per connection on /market`);
    }
    // Per-user limits count authenticated users only: an anonymous connection is bounded by the two above.
    if (sub.userId !== null && (this.userCounts.get(sub.userId) ?? 0) + added.length > maxChannelsPerUser) {
      throw limitError(`at most ${maxChannelsPerUser} channels per user`);
    }

    sub.rooms = sub.rooms.concat(added.map((r) => r.room));
    for (const r of added) this.roomCounts.set(r.room, (this.roomCounts.get(r.room) ?? 0) + 1);
    if (sub.userId !== null) this.userCounts.set(sub.userId, (this.userCounts.get(sub.userId) ?? 0) + added.length);
    return added.map((r) => r.room);
  }

  /** Removes the given rooms; returns those the connection actually held. */
  unsubscribe(socketId: string, rooms: readonly string[]): string[] {
    const sub = this.subscribers.get(socketId);
    if (!sub) return [];
    const removed: string[] = [];
    for (const room of rooms) {
      const i = sub.rooms.indexOf(room);
      if (i < 0) continue;
      sub.rooms.splice(i, 1);
      removed.push(room);
      const n = (this.roomCounts.get(room) ?? 1) - 1;
      if (n > 0) this.roomCounts.set(room, n);
      else this.roomCounts.delete(room);
    }
    if (sub.userId !== null && removed.length > 0) {
      const n = (this.userCounts.get(sub.userId) ?? removed.length) - removed.length;
      if (n > 0) this.userCounts.set(sub.userId, n);
      else this.userCounts.delete(sub.userId);
    }
    return removed;
  }

  /** Releases everything the connection held (on disconnect). */
  release(socketId: string): string[] {
    const sub = this.subscribers.get(socketId);
    if (!sub) return [];
    const removed = this.unsubscribe(socketId, sub.rooms.slice());
    this.subscribers.delete(socketId);
    return removed;
  }

  rooms(socketId: string): string[] {
    return [...(this.subscribers.get(socketId)?.rooms ?? [])];
  }

  subscriberCount(room: string): number {
    return this.roomCounts.get(room) ?? 0;
  }

  /** Rooms held by the user across all their connections on this node. */
  userChannelCount(userId: string): number {
    return this.userCounts.get(userId) ?? 0;
  }

  /** Subscriptions per namespace (a subscription is one connection in one room). */
  countByNamespace(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const sub of this.subscribers.values()) out[sub.namespace] = (out[sub.namespace] ?? 0) + sub.rooms.length;
    return out;
  }

  topSymbols(limit = 10): { symbol: string; subscribers: number }[] {
    const bySymbol = new Map<string, number>();
    for (const [room, n] of this.roomCounts) {
      const parsed = parseRoom(room);
      if (parsed && 'symbol' in parsed) bySymbol.set(parsed.symbol, (bySymbol.get(parsed.symbol) ?? 0) + n);
    }
    return [...bySymbol]
      .map(([symbol, subscribers]) => ({ symbol, subscribers }))
      .sort((a, b) => b.subscribers - a.subscribers || a.symbol.localeCompare(b.symbol))
      .slice(0, limit);
  }

  stats(limit = 10): SubscriptionStats {
    let subscriptions = 0;
    for (const n of this.roomCounts.values()) subscriptions += n;
    return {
      rooms: this.roomCounts.size,
      subscriptions,
      byNamespace: this.countByNamespace(),
      topRooms: [...this.roomCounts]
        .map(([room, subscribers]) => ({ room, subscribers }))
        .sort((a, b) => b.subscribers - a.subscribers || a.room.localeCompare(b.room))
        .slice(0, limit),
      topSymbols: this.topSymbols(limit),
    };
  }

  private subscriber(socketId: string): Subscriber {
    const sub = this.subscribers.get(socketId);
    if (!sub) throw new WsError('INTERNAL', 'connection is not registered');
    return sub;
  }
}

function limitError(message: string): WsError {
  return new WsError('LIMIT_EXCEEDED', `subscription limit exceeded: ${message}`);
}
