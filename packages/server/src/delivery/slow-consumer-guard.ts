import { LATEST_STATE_STREAMS, type RoomStream, streamOfRoom } from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { OutboundEvent } from './room-message.js';
import type { TransportInternals } from './transport-internals.js';

/** Per-connection bounds on bytes queued for a client but not yet written to it. */
export interface SlowConsumerOptions {
  /** Above this, conflatable streams of the connection are paused and later resumed from their latest state. */
  softBytes: number;
  /** Above this, the connection is closed with SLOW_CONSUMER. */
  hardBytes: number;
  /** How often queues are measured. */
  checkIntervalMs: number;
  /**
   * How long a connection may stay over the soft mark before it is disconnected with SLOW_CONSUMER.
   * Conflation keeps a stalled reader under the hard mark forever; this bounds how long it pins its queue.
   */
  maxOverSoftMs: number;
}

export interface SlowConsumerDeps {
  /** Calls `visit` with every socket to watch, every namespace (a visitor: no iterator per check). */
  forEachSocket(visit: (socket: Socket) => void): void;
  /** Rooms the socket is still subscribed to (the subscription manager's view). */
  subscribedRooms(socketId: string): readonly string[];
  /** The latest state of a room as one message, sent when the client catches up. */
  latest(room: string): OutboundEvent | undefined;
  send(socket: Socket, message: OutboundEvent): void;
  /** Called when a client is disconnected for being too slow: over the hard mark, or over the soft mark too long. */
  onDisconnect(socket: Socket, queuedBytes: number, reason: 'hard' | 'stalled'): void;
  /** Milliseconds of a monotonic clock (default `performance.now`); injectable for tests. */
  now?(): number;
  /** How queues are measured (Engine.IO's and ws's internals); nothing is checked while it cannot measure. */
  transport: Pick<TransportInternals, 'queuesMeasurable' | 'queuedBytes' | 'isIdle'>;
}

/** Rooms a paused connection can resume from their latest state (snapshot or book): the protocol's latest-state streams. */
const resumesFromLatestState = (room: string) => LATEST_STATE_STREAMS.has(streamOfRoom(room) as RoomStream);

/**
 * Bounds what a client that reads slower than the market can make the gateway hold. Over the soft mark
 * the connection leaves its conflatable rooms (so nothing more of them is queued: no per-message work);
 * once its queue has drained below half the soft mark it rejoins them and gets each room's latest state
 * (`price.update`, `market.stats`, `market.ticker`, a fresh depth snapshot) in the same tick, so nothing
 * older ever follows something newer. `/user` and trade streams are never paused: if they alone push the
 * queue past the hard mark the client is disconnected with SLOW_CONSUMER, never silently skipped. A
 * connection that stays over the soft mark for `maxOverSoftMs` (a stalled reader, which conflation alone
 * would keep under the hard mark forever) is disconnected with SLOW_CONSUMER too.
 */
export class SlowConsumerGuard {
  /** socket id → the socket, the rooms it left while conflating, and since when it is over the soft mark. */
  private readonly paused = new Map<string, { socket: Socket; rooms: string[]; overSince: number | undefined }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly options: SlowConsumerOptions,
    private readonly deps: SlowConsumerDeps,
  ) {
    this.timer = setInterval(() => this.check(), options.checkIntervalMs);
    this.timer.unref();
  }

  /** Connections currently conflated. */
  get conflating(): number {
    return this.paused.size;
  }

  isConflating(socketId: string): boolean {
    return this.paused.has(socketId);
  }

  /** Bytes held for the client (Engine.IO's packet buffer plus what its WebSocket has not written); undefined if that cannot be measured. */
  queuedBytes(socket: Socket): number | undefined {
    return this.deps.transport.queuesMeasurable ? this.deps.transport.queuedBytes(socket) : undefined;
  }

  /** Measures every connection once; runs every `checkIntervalMs` over every socket, so it allocates nothing per idle one. */
  check(): void {
    // Not measurable (internals missing, warned at start): off rather than a queue that always reads 0.
    if (!this.deps.transport.queuesMeasurable) return;
    this.now = this.deps.now?.() ?? performance.now();
    this.deps.forEachSocket(this.visit);
    for (const [id, { socket }] of this.paused) if (!socket.connected) this.paused.delete(id);
  }

  /** `check`'s time, for `visit`. */
  private now = 0;

  /** One socket of `check`: one function for all of them, no closure per check. */
  private readonly visit = (socket: Socket): void => {
    const { transport } = this.deps;
    // Nobody paused (the usual case): no lookup per socket.
    const entry = this.paused.size === 0 ? undefined : this.paused.get(socket.id);
    if (!entry && transport.isIdle(socket)) return;
    const bytes = transport.queuedBytes(socket);
    if (bytes > this.options.hardBytes) {
      this.disconnect(socket, bytes, 'hard');
    } else if (bytes > this.options.softBytes) {
      if (!entry) this.pause(socket, this.now);
      else {
        entry.overSince ??= this.now;
        // Conflation stopped new work for it, but a reader that never drains would pin its queue forever.
        if (this.now - entry.overSince >= this.options.maxOverSoftMs) this.disconnect(socket, bytes, 'stalled');
      }
    } else if (entry) {
      if (bytes <= this.options.softBytes / 2) this.resume(socket);
      // Under the soft mark it is reading again: the clock restarts if it goes back over.
      else entry.overSince = undefined;
    }
  };

  private disconnect(socket: Socket, bytes: number, reason: 'hard' | 'stalled'): void {
    this.paused.delete(socket.id);
    this.deps.onDisconnect(socket, bytes, reason);
    socket.disconnect(true);
  }

  private pause(socket: Socket, now: number): void {
    const left = [...socket.rooms].filter(resumesFromLatestState);
    this.paused.set(socket.id, { socket, rooms: left, overSince: now });
    for (const room of left) void socket.leave(room);
  }

  private resume(socket: Socket): void {
    const left = this.paused.get(socket.id)?.rooms ?? [];
    this.paused.delete(socket.id);
    const still = new Set(this.deps.subscribedRooms(socket.id));
    const rooms = left.filter((r) => still.has(r));
    // Join and read the latest states in one tick: the stream continues exactly after them.
    void socket.join(rooms);
    for (const room of rooms) {
      const latest = this.deps.latest(room);
      if (latest) this.deps.send(socket, latest);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.paused.clear();
  }
}
