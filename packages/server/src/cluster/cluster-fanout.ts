import { PublishableEventTraits, streamOfRoom } from '@ws/protocol';
import type { Cluster, Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { RoomMessage } from '../delivery/room-message.js';
import type { Logger } from '../logger.js';
import type { DepthUpdate, OrderBooks } from '../state/order-books.js';
import { parseBusMessage, type RedisSequenceStore } from '../state/redis-sequence-store.js';
import type { RedisSnapshotStore } from '../state/redis-snapshot-store.js';
import type { BusMessage, SequencedMessage } from '../state/sequenced-message.js';
import { WsConfigError } from '../ws-config-error.js';
import { WsError } from '../ws-error.js';
import { roomOfBusChannel } from './bus-channels.js';
import { BusSubscriptions } from './bus-subscriptions.js';
import { shardedPubSubSupport } from './sharded-pubsub-support.js';

/** Where bus messages go: this node's members of the room, minus the sockets in `except`. */
export interface LocalDelivery {
  toRoom(message: RoomMessage, except?: readonly string[]): void;
  /** Starts a delivery batch that ends with the current synchronous run (one Redis read); optional. */
  batchTurn?(): void;
}

export interface ClusterFanoutDeps {
  store: RedisSequenceStore;
  /** Runs the publish script; while it is not ready public streams fall back to local fan-out. */
  pub: Redis | Cluster;
  /** Subscribed (SSUBSCRIBE) to the bus channels of the rooms this node has members in. */
  sub: Redis | Cluster;
  /** How long a room's channel stays subscribed after its last local member left (default 30 s). */
  busLingerMs?: number;
  /** Times the linger; injectable for tests. */
  busClock?: Clock;
  /** One message (`bytes` long) came in on the bus for a room of `namespace` (`ws_bus_messages_received_total`). */
  onBusMessage?(namespace: string, bytes: number): void;
  snapshots: RedisSnapshotStore;
  books: OrderBooks;
  delivery: LocalDelivery;
  logger: Logger;
  /** How long `broadcastDepth` waits to see its own message come back from the bus. */
  confirmTimeoutMs?: number;
  /**
   * How long a publish waits for Redis before it fails with UNAVAILABLE (default 1000 ms); while Redis is
   * not connected a private publish fails at once, without sending anything.
   */
  publishTimeoutMs?: number;
  /**
   * Called when the bus subscription is back after an outage, with the last seq this node delivered per
   * `/user` room, so the server can replay from history what its clients missed meanwhile.
   */
  onBusResumed?(lastSeen: (room: string) => number | undefined): void;
}

const USER_SEEN_MAX = 100_000;

const seqOf = (payload: Record<string, unknown> | undefined): number =>
  typeof payload?.seq === 'number' ? payload.seq : 0;

interface DepthSync {
  buffer: BusMessage[];
}

/**
 * Cluster fan-out of sequenced room messages. Every publish runs one Lua script that assigns the room's
 * global seq, stores what later subscribers need (snapshot, book, `/user` history) and PUBLISHes the
 * message; every node (the publisher too) delivers it to its local members from the bus. Redis delivers
 * a channel's messages in publish order, so every node sees a room in seq order, which a separate
 * INCR-then-adapter-publish could not promise when two nodes publish to the same room.
 *
 * Without Redis, public streams keep flowing locally with seqs above the last one seen; the next global
 * seq is lifted above them (`floor`), so clients see a gap and resync instead of a repeated seq.
 * Private events never take the local path: they wait for Redis (or fail the publish), so none is lost.
 */
export class ClusterFanout {
  /** Highest seq seen per public room, the floor for the next global seq. */
  private readonly floors = new Map<string, number>();
  /** room → socket id → messages held while that socket replays its history. */
  private readonly holds = new Map<string, Map<string, BusMessage[]>>();
  private readonly syncing = new Map<string, DepthSync>();
  private readonly outstanding = new Map<string, { count: number; seen: Map<number, object> }>();
  private readonly waiters = new Map<string, (wire: object) => void>();
  /** Last seq delivered here per `/user` room (bounded, oldest forgotten first), for `release`. */
  private readonly userSeen = new Map<string, number>();
  private readonly releasing = new Map<string, () => void>();
  /** The rooms whose channels this node is subscribed to (`roomJoined`/`roomLeft`, `prepare`, depth publishes). */
  private readonly channels: BusSubscriptions;
  private readonly onBus = (channel: string, raw: string) => {
    if (roomOfBusChannel(this.deps.store.prefix, channel) === undefined) return;
    this.onMessage(raw);
  };
  private readonly onSubReady = () => {
    if (!this.readyOnce) {
      this.readyOnce = true;
      return;
    }
    // After an outage the local copies may have missed messages: reload on next use; books resync on the
    // next gap; /user events come back from history, read once the channels are subscribed again.
    this.deps.snapshots.clear();
    // Now, before the first message after the reconnect: the replay holds live /user messages from here, waits
    // for the new acknowledgements (resubscribe marks every channel wanted again) and then reads history from
    // where this node stood when the bus went down. Read later, the seen seqs would include messages that
    // arrived meanwhile and the replay would skip what the outage lost.
    void this.channels.resubscribe();
    const seen = new Map(this.userSeen);
    this.deps.onBusResumed?.((room) => seen.get(room));
  };
  private readyOnce = false;
  private malformed = 0;

  constructor(private readonly deps: ClusterFanoutDeps) {
    this.channels = new BusSubscriptions({
      sub: deps.sub,
      channel: (room) => deps.store.channel(room),
      logger: deps.logger,
      onDropped: (room) => this.forget(room),
      ...(deps.busLingerMs === undefined ? {} : { lingerMs: deps.busLingerMs }),
      ...(deps.busClock === undefined ? {} : { clock: deps.busClock }),
    });
  }

  /**
   * Listens on the bus (rooms are subscribed as local members join them); waits up to `waitMs` for both
   * connections to be ready (during an outage the node starts degraded and catches up on reconnect). Throws
   * `WsConfigError('redis')` when the Redis it reached has no SPUBLISH/SSUBSCRIBE (older than 7.0): every
   * publish and every subscription would fail. A Redis first reached later is checked then and logged.
   */
  async start(waitMs = 3_000): Promise<void> {
    const { sub, pub } = this.deps;
    this.readyOnce = sub.status === 'ready';
    sub.on('smessage', this.onBus);
    sub.on('ready', this.onSubReady);
    const ready = (client: Redis | Cluster) =>
      client.status === 'ready' ? undefined : new Promise<void>((resolve) => client.once('ready', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([ready(pub), ready(sub)]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (pub.status !== 'ready') {
      pub.once('ready', () => {
        this.checkRedis().catch((err: unknown) =>
          this.deps.logger.error({ err }, 'the cluster bus cannot run on this Redis'),
        );
      });
      return;
    }
    await this.checkRedis();
  }

  private async checkRedis(): Promise<void> {
    const problem = await shardedPubSubSupport(this.deps.pub);
    if (problem !== undefined) throw new WsConfigError('redis', problem);
  }

  close(): void {
    this.deps.sub.off('smessage', this.onBus);
    this.deps.sub.off('ready', this.onSubReady);
    this.channels.close();
  }

  /** The first local member joined a room (Socket.IO adapter `create-room`): its channel is needed. */
  roomJoined(room: string): void {
    this.channels.ref(room);
  }

  /** The last local member left a room (`delete-room`): its channel lingers, then goes. */
  roomLeft(room: string): void {
    this.channels.unref(room);
  }

  /**
   * Resolves once the rooms' channels are subscribed (or Redis could not be asked): what is read from Redis
   * after it (snapshot, book, history) is followed on the bus by every later message, with no gap.
   */
  subscribed(rooms: readonly string[]): Promise<void> {
    return this.channels.ready(rooms);
  }

  /** A room's channel is gone: what this node kept current from it is stale from now on. */
  private forget(room: string): void {
    this.deps.snapshots.delete(room);
    if (room.startsWith('market:depth:')) this.deps.books.delete(room.slice('market:depth:'.length));
  }

  /** Bus messages dropped because they were not a valid `ClusterBusMessage` (each one is also logged). */
  get malformedMessages(): number {
    return this.malformed;
  }

  get redisReady(): boolean {
    return this.deps.pub.status === 'ready';
  }

  /**
   * Throws UNAVAILABLE when any of these messages cannot be published now: a private (`history`) message
   * while Redis is not connected. Lets a batch be refused whole before any of it is sent.
   */
  assertAvailable(kinds: Iterable<SequencedMessage['kind']>): void {
    if (this.redisReady) return;
    for (const kind of kinds) if (kind === 'history') throw this.unavailable('Redis is not connected');
  }

  /** Sequences and publishes cluster-wide; resolves to the wire payload. */
  async publish(m: SequencedMessage): Promise<object> {
    if (!this.redisReady && m.kind !== 'history') return this.publishLocally(m);
    // Private events never go local: refused now (nothing sent), so the publisher retries after the outage.
    this.assertAvailable([m.kind]);
    // Floors keep seq rising even if Redis lost its counters (a restart without persistence).
    const floor = (m.namespace === '/user' ? this.userSeen.get(m.room) : this.floors.get(m.room)) ?? 0;
    if (m.kind !== 'depth') {
      const seq = await this.withinPublishTimeout(this.deps.store.publish(m, floor));
      return { ...m.data, seq };
    }
    return this.publishDepth(m, floor);
  }

  /**
   * The store's answer within `publishTimeoutMs`. A timeout, or a failure while Redis is not connected, is
   * UNAVAILABLE (retry later); any other failure is INTERNAL. A command that was already on its way when
   * Redis went away may still be applied when it comes back (ioredis resends it), so an UNAVAILABLE private
   * event can arrive once the publisher's retry also does; an accepted one is never lost.
   */
  private withinPublishTimeout<T>(pending: Promise<T>): Promise<T> {
    const timeoutMs = this.deps.publishTimeoutMs ?? 1_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(this.unavailable(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    const answered = pending.catch((err: unknown) => {
      if (err instanceof WsError) throw err;
      if (!this.redisReady) throw this.unavailable(`Redis is not connected (${(err as Error).message})`, err);
      throw new WsError('INTERNAL', `publish failed: ${(err as Error).message}`, { cause: err });
    });
    return Promise.race([answered, timeout]).finally(() => clearTimeout(timer));
  }

  private unavailable(reason: string, cause?: unknown): WsError {
    return new WsError('UNAVAILABLE', `${reason}; retry later`, {
      retryAfterMs: this.deps.publishTimeoutMs ?? 1_000,
      ...(cause === undefined ? {} : { cause }),
    });
  }

  private async publishDepth(m: SequencedMessage, floor: number): Promise<object> {
    // The answer carries the book's checksum, which this node computes from the bus: it must follow the room.
    await this.channels.ready([m.room]);
    let track = this.outstanding.get(m.room);
    if (!track) {
      track = { count: 0, seen: new Map() };
      this.outstanding.set(m.room, track);
    }
    track.count++;
    try {
      const seq = await this.withinPublishTimeout(this.deps.store.publish(m, floor));
      const seen = track.seen.get(seq);
      if (seen) return seen;
      return await new Promise<object>((resolve, reject) => {
        const key = `${m.room}|${seq}`;
        const timer = setTimeout(() => {
          this.waiters.delete(key);
          reject(new WsError('INTERNAL', `depth published as seq ${seq} but not seen on the bus`));
        }, this.deps.confirmTimeoutMs ?? 5_000);
        timer.unref();
        this.waiters.set(key, (wire) => {
          clearTimeout(timer);
          resolve(wire);
        });
      });
    } catch (err) {
      throw err instanceof WsError ? err : new WsError('INTERNAL', `publish failed: ${(err as Error).message}`);
    } finally {
      track.count--;
      if (track.count === 0) this.outstanding.delete(m.room);
    }
  }

  private publishLocally(m: SequencedMessage): object {
    const prevSeq = this.floors.get(m.room) ?? 0;
    const msg: BusMessage = { ...m, seq: prevSeq + 1, prevSeq };
    return this.deliver(msg, true) ?? { ...m.data, seq: msg.seq };
  }

  /**
   * Loads what subscribers of these rooms get first (snapshots, books) if this node has not got it yet, and
   * holds the rooms' channels until the returned release: the caller joins after further async steps, and a
   * channel that lingered out meanwhile would drop the state just read (`forget`) and the messages until it is
   * subscribed again, so the client would get no snapshot and a gap.
   */
  async prepare(rooms: readonly string[]): Promise<() => void> {
    if (!this.redisReady) return () => undefined;
    const release = this.channels.hold(rooms);
    try {
      // Subscribed first: a message published after the read below comes on the bus, one before it is in it.
      await this.channels.ready(rooms);
      const isBook = (room: string) => streamOfRoom(room) === PublishableEventTraits['market.depth'].stream;
      await Promise.all([
        this.deps.snapshots.load(rooms.filter((r) => !isBook(r))),
        ...rooms.filter(isBook).map((room) => {
          const symbol = room.slice(room.lastIndexOf(':') + 1);
          return this.deps.books.has(symbol) ? undefined : this.syncBook(symbol, room, []);
        }),
      ]);
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  /** Holds live messages of these rooms for the socket until `release` (while it replays history). */
  hold(socketId: string, rooms: readonly string[]): void {
    for (const room of rooms) {
      let held = this.holds.get(room);
      if (!held) {
        held = new Map();
        this.holds.set(room, held);
      }
      // A second hold while one is in progress keeps the first one's messages.
      if (!held.has(socketId)) held.set(socketId, []);
    }
  }

  /**
   * Stops holding for the socket once this node's bus has delivered each room up to `upTo` (what the
   * history read already covered, which may be ahead of the bus), so nothing it replayed comes again
   * live. Resolves with what was held, in bus order; gives up waiting after `waitMs`.
   */
  release(
    socketId: string,
    rooms: readonly string[],
    upTo: ReadonlyMap<string, number> = new Map(),
    waitMs = 2_000,
  ): Promise<BusMessage[]> {
    const caughtUp = () => [...upTo].every(([room, seq]) => (this.userSeen.get(room) ?? 0) >= seq);
    const collect = (): BusMessage[] => {
      this.releasing.delete(socketId);
      const out: BusMessage[] = [];
      for (const room of rooms) {
        const held = this.holds.get(room);
        const mine = held?.get(socketId);
        if (mine) out.push(...mine);
        held?.delete(socketId);
        if (held?.size === 0) this.holds.delete(room);
      }
      return out;
    };
    if (caughtUp()) return Promise.resolve(collect());
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(collect()), waitMs);
      timer.unref();
      this.releasing.set(socketId, () => {
        if (!caughtUp()) return;
        clearTimeout(timer);
        resolve(collect());
      });
    });
  }

  private onMessage(raw: string): void {
    const msg = parseBusMessage(raw);
    if (!msg) {
      // Anything could publish on the channel (a foreign client, a corrupted or older node): never deliver it.
      this.malformed++;
      this.deps.logger.warn({ length: raw.length, dropped: this.malformed }, 'malformed bus message dropped');
      return;
    }
    this.deps.onBusMessage?.(msg.namespace, raw.length);
    // The messages of one read arrive as separate calls in one synchronous run: one batch of writes.
    this.deps.delivery.batchTurn?.();
    try {
      this.deliver(msg, false);
    } catch (err) {
      this.deps.logger.error({ err, room: msg.room, seq: msg.seq }, 'bus message delivery failed');
    }
  }

  /** Applies and emits one message to this node's members; returns its wire payload. */
  private deliver(msg: BusMessage, local: boolean): object | undefined {
    if (msg.namespace !== '/user') this.floors.set(msg.room, Math.max(this.floors.get(msg.room) ?? 0, msg.seq));
    const state = PublishableEventTraits[msg.event as keyof typeof PublishableEventTraits]?.state;
    if (state === 'book') return this.deliverDepth(msg, local);
    const wire = { ...msg.data, seq: msg.seq };
    if (state === 'latest') {
      // Already covered by the snapshot read right after this room was subscribed: its members have it.
      if (!local && msg.seq <= seqOf(this.deps.snapshots.get(msg.room)?.payload)) return wire;
      this.deps.snapshots.set(msg.room, { event: msg.event, payload: wire });
    }
    this.emit(msg, wire);
    return wire;
  }

  private emit(msg: BusMessage, wire: object): void {
    const held = this.holds.get(msg.room);
    if (held) for (const list of held.values()) list.push(msg);
    const message: RoomMessage = {
      namespace: msg.namespace,
      room: msg.room,
      event: msg.event,
      payload: wire,
      enteredAt: msg.enteredAt,
    };
    this.deps.delivery.toRoom(message, held ? [...held.keys()] : undefined);
    if (msg.namespace === '/user') {
      this.userSeen.delete(msg.room);
      this.userSeen.set(msg.room, msg.seq);
      if (this.userSeen.size > USER_SEEN_MAX) this.userSeen.delete(this.userSeen.keys().next().value as string);
      if (held) for (const id of held.keys()) this.releasing.get(id)?.();
    }
  }

  private deliverDepth(msg: BusMessage, local: boolean): object | undefined {
    const update = msg.data as unknown as DepthUpdate;
    const sync = this.syncing.get(update.symbol);
    if (sync) {
      sync.buffer.push(msg);
      return undefined;
    }
    const { books } = this.deps;
    if (!local && books.has(update.symbol) && msg.seq <= books.seq(update.symbol)) {
      // Already in the book read right after this room was subscribed (a message of the subscribe race).
      this.confirm(msg.room, msg.seq, books.snapshot(update.symbol) ?? {});
      return undefined;
    }
    if (
      local ||
      update.type === 'snapshot' ||
      (books.seq(update.symbol) === msg.prevSeq && (books.has(update.symbol) || msg.prevSeq === 0))
    ) {
      const wire = books.apply(update, msg.seq, msg.prevSeq);
      this.emit(msg, wire);
      this.confirm(msg.room, msg.seq, wire);
      return wire;
    }
    // A gap (node started late, or the bus dropped messages): take the book from Redis, then continue.
    void this.syncBook(update.symbol, msg.room, [msg]);
    return undefined;
  }

  private confirm(room: string, seq: number, wire: object): void {
    const waiter = this.waiters.get(`${room}|${seq}`);
    if (waiter) {
      this.waiters.delete(`${room}|${seq}`);
      waiter(wire);
    } else {
      const track = this.outstanding.get(room);
      if (track) {
        track.seen.set(seq, wire);
        if (track.seen.size > 1000) track.seen.delete(track.seen.keys().next().value as number);
      }
    }
  }

  private async syncBook(symbol: string, room: string, buffer: BusMessage[]): Promise<void> {
    const existing = this.syncing.get(symbol);
    if (existing) {
      existing.buffer.push(...buffer);
      return;
    }
    const sync: DepthSync = { buffer };
    this.syncing.set(symbol, sync);
    let loadedSeq = -1;
    try {
      const book = await this.deps.store.book(room);
      loadedSeq = book.seq;
      if (book.seq > 0) this.deps.books.load(symbol, book.bids, book.asks, book.seq);
      this.floors.set(room, Math.max(this.floors.get(room) ?? 0, book.seq));
    } catch (err) {
      this.deps.logger.warn({ err, symbol }, 'order book sync from Redis failed');
    }
    this.syncing.delete(symbol);
    const snapshot = loadedSeq > 0 ? this.deps.books.snapshot(symbol) : undefined;
    if (snapshot) {
      // Members here may have missed messages: the book as of the load replaces what they hold.
      this.deps.delivery.toRoom({ namespace: '/market', room, event: 'market.depth', payload: snapshot });
    }
    for (const m of sync.buffer.sort((a, b) => a.seq - b.seq)) {
      if (m.seq <= loadedSeq) {
        if (snapshot) this.confirm(room, m.seq, snapshot);
        continue;
      }
      if (loadedSeq < 0) {
        // Redis unreadable: keep the stream going from the local book rather than stall it.
        const wire = this.deps.books.apply(m.data as unknown as DepthUpdate, m.seq, m.prevSeq);
        this.emit(m, wire);
        this.confirm(room, m.seq, wire);
        continue;
      }
      this.deliverDepth(m, false);
    }
  }
}
