import { MAX_SNAPSHOT_DEPTH, NAMESPACE_NAMES, type NamespaceName } from '@ws/protocol';
import type { Namespace, Socket } from 'socket.io';
import type { MetricsComponent } from '../component-contracts.js';
import type { ConnectionManager } from '../connection-manager.js';
import { estimateBytes } from '../encoding/payload-size.js';
import { epochNow } from '../epoch-clock.js';
import type { Logger } from '../logger.js';
import type { OrderBooks } from '../state/order-books.js';
import type { SnapshotStore } from '../state/snapshot-store.js';
import { OverloadConflator } from './overload-conflator.js';
import {
  encodeBroadcastFrame,
  type FanoutTarget,
  fanOutPublicly,
  fanOutToRoom,
  type PacketEncoder,
} from './room-frame-fanout.js';
import type { NamespaceMessage, OutboundEvent, RoomMessage } from './room-message.js';
import { RoomRecipients } from './room-recipients.js';
import { SlowConsumerGuard, type SlowConsumerOptions } from './slow-consumer-guard.js';
import { type EngineEvents, TransportInternals } from './transport-internals.js';

export interface RoomDeliveryOptions {
  /** See `WebSocketServerOptions.overloadTurnBudgetMs` and `overloadMinLoopUtilization`. */
  conflation: { turnBudgetMs: number; minLoopUtilization: number };
  /** Per-connection queue bounds; `false` turns the slow-consumer guard off. */
  slowConsumer: SlowConsumerOptions | false;
}

export interface RoomDeliveryDeps {
  /** The Socket.IO server whose namespaces this node delivers to, its packet encoder and its engine. */
  io: { of(name: NamespaceName): unknown; readonly encoder: PacketEncoder; readonly engine: EngineEvents };
  connections: ConnectionManager;
  metrics: MetricsComponent;
  logger: Logger;
  /** Where a slow consumer's latest states come from when it catches up. */
  books: OrderBooks;
  snapshots: SnapshotStore;
  /** Rooms a socket is still subscribed to (the subscription manager's view). */
  subscriptions: { rooms(socketId: string): readonly string[] };
  /** The reach into Engine.IO and ws; default: probed on `io.engine`. */
  transport?: TransportInternals;
}

const DEPTH_ROOM = 'market:depth:';

/**
 * Everything between a finished wire message and this node's sockets: overload conflation, encoding once,
 * the fan-out to a room's members, the slow-consumer bounds and the delivery metrics. Messages come in from
 * the broadcaster (one node) or the cluster bus and go only out, to sockets: nothing here calls back.
 *
 * Room messages never go through the Socket.IO adapter: in cluster mode every node takes them off the bus
 * and delivers to its own members.
 */
export class RoomDelivery {
  readonly #deps: RoomDeliveryDeps;
  readonly #conflator: OverloadConflator;
  readonly #slowConsumers: SlowConsumerGuard | undefined;
  readonly #transport: TransportInternals;
  readonly #recipients: RoomRecipients;

  constructor(options: RoomDeliveryOptions, deps: RoomDeliveryDeps) {
    this.#deps = deps;
    this.#transport = deps.transport ?? TransportInternals.probe(deps.io.engine, deps.logger);
    this.#recipients = new RoomRecipients(this.#transport);
    this.#conflator = new OverloadConflator(
      {
        turnBudgetMs: options.conflation.turnBudgetMs,
        minLoopUtilization: options.conflation.minLoopUtilization,
        onConflated: (ns, event) => deps.metrics.messageConflated?.(ns, event),
        // The held latest states of many rooms go out together: a member of several gets one write.
        batch: (deliverHeld) => this.#transport.batch.run(deliverHeld),
      },
      (message, except) => this.#deliverNow(message, except),
    );
    this.#transport.batch.onWriteTime = (ms) => this.#conflator.charge(ms);
    this.#slowConsumers = options.slowConsumer
      ? new SlowConsumerGuard(options.slowConsumer, {
          forEachSocket: (visit) => this.#forEachSocket(visit),
          subscribedRooms: (id) => deps.subscriptions.rooms(id),
          latest: (room) => this.#latest(room),
          send: (socket, message) => this.send(socket, message),
          onDisconnect: (socket, bytes, reason) => this.#onSlowConsumer(socket, bytes, reason),
          transport: this.#transport,
        })
      : undefined;
  }

  /** The slow-consumer guard (undefined when `slowConsumer: false`). */
  get slowConsumers(): SlowConsumerGuard | undefined {
    return this.#slowConsumers;
  }

  /** A room message for this node's members (minus `except`), now or, under overload, at the end of the turn. */
  toRoom(message: RoomMessage, except?: readonly string[]): void {
    this.#conflator.emit(message, except);
  }

  /**
   * Runs `fn` (the synchronous delivery of several messages: one publish request's items) as one batch: each
   * connection's frames are written together when it returns, with one system call (see
   * `TransportInternals.batch`).
   */
  batch<T>(fn: () => T): T {
    return this.#transport.batch.run(fn);
  }

  /** Starts a batch that ends with the current synchronous run (the messages of one Redis read). */
  batchTurn(): void {
    this.#transport.batch.openForTurn();
  }

  /** Every client of a namespace on this node. Not timed: system messages and admin stats are not market data. */
  toNamespace({ namespace, event, payload }: NamespaceMessage): void {
    const nsp = this.#namespace(namespace);
    const bytes = estimateBytes(payload);
    nsp.emit(event, payload);
    const recipients = nsp.sockets.size;
    for (const id of nsp.sockets.keys()) this.#deps.connections.recordOut(id, bytes);
    this.#deps.metrics.messageOut(namespace, event, bytes, recipients);
    this.#deps.metrics.broadcast(namespace, event, recipients);
  }

  /** One event to one socket (acks' follow-ups, snapshots, replays), counted like every other delivery. */
  send(socket: Socket, { event, payload }: OutboundEvent): void {
    if (!socket.connected) return;
    const bytes = estimateBytes(payload);
    this.#deps.connections.recordOut(socket.id, bytes);
    this.#deps.metrics.messageOut(socket.nsp.name, event, bytes, 1);
    socket.emit(event, payload);
  }

  /** See `TransportInternals.holdWrites`: a burst of packets to one socket in one system call. */
  holdWrites(socket: Socket): (() => void) | undefined {
    return this.#transport.holdWrites(socket);
  }

  /** Sends what the conflator holds and stops the slow-consumer checks (shutdown). */
  close(): void {
    this.#transport.batch.run(() => this.#conflator.flush());
    this.#slowConsumers?.close();
    this.#recipients.close();
    this.#transport.closeBatches();
    this.#transport.close();
  }

  /**
   * Propagation latency costs one clock read per message for all direct writes (they are done when the
   * fan-out returns, so one weighted observation covers them) and one per recipient Engine.IO queued,
   * when its transport has written the frame.
   */
  #deliverNow(message: RoomMessage, except: readonly string[] | undefined): void {
    const { namespace, room, event, enteredAt } = message;
    const nsp = this.#namespace(namespace);
    const metrics = this.#deps.metrics;
    let sent = { recipients: 0, bytes: 0, done: 0 };
    // Nobody here (e.g. a bus message for a user connected to another node): nothing to encode.
    if (nsp.adapter.rooms.has(room)) {
      const target: FanoutTarget = { nsp, room, except: except && except.length > 0 ? new Set(except) : undefined };
      const timed = enteredAt !== undefined && metrics.messageLatency !== undefined;
      const onQueued = timed
        ? () => metrics.messageLatency?.(namespace, Math.max(0, epochNow() - enteredAt) / 1000)
        : undefined;
      sent = this.#fanOut(target, message, onQueued);
      if (timed && sent.done > 0) {
        const done = sent.done;
        // In a batch the frames are written at its end: timed then (now when there is none).
        this.#transport.batch.afterFlush(() =>
          metrics.messageLatency?.(namespace, Math.max(0, epochNow() - enteredAt) / 1000, done),
        );
      }
    }
    // Only rooms with local members: counters for rooms nobody here is in (offline users) would only grow.
    if (sent.recipients > 0) this.#deps.connections.recordRoomOut(namespace, room, sent.bytes);
    metrics.messageOut(namespace, event, sent.bytes, sent.recipients);
    metrics.broadcast(namespace, event, sent.recipients);
  }

  /**
   * Encodes once and writes the frame to each member (see `fanOutToRoom`), or takes Socket.IO's public
   * broadcast when the internals are not there or the encoder's output cannot be framed once. `done`:
   * recipients whose write is complete on return (the others are timed by `onQueued`).
   */
  #fanOut(
    target: FanoutTarget,
    message: RoomMessage,
    onQueued: (() => void) | undefined,
  ): { recipients: number; bytes: number; done: number } {
    const frame = this.#transport.framesAvailable ? encodeBroadcastFrame(this.#deps.io.encoder, message) : undefined;
    if (frame === undefined) {
      const recipients = fanOutPublicly(target, message);
      return { recipients, bytes: recipients > 0 ? estimateBytes(message.payload) : 0, done: recipients };
    }
    const result = fanOutToRoom(target, frame, this.#recipients, onQueued);
    return {
      recipients: result.direct + result.queued + result.emitted,
      bytes: frame.bytes,
      done: result.direct + result.emitted,
    };
  }

  /** A room's latest state as one message: a fresh depth snapshot, or the room's last latest-state event. */
  #latest(room: string): OutboundEvent | undefined {
    if (room.startsWith(DEPTH_ROOM)) {
      const depth = this.#deps.books.encodedSnapshot(room.slice(DEPTH_ROOM.length), MAX_SNAPSHOT_DEPTH);
      return depth ? { event: 'market.depth', payload: depth } : undefined;
    }
    return this.#deps.snapshots.get(room);
  }

  #onSlowConsumer(socket: Socket, queuedBytes: number, reason: 'hard' | 'stalled'): void {
    this.#deps.metrics.error('SLOW_CONSUMER', socket.nsp.name);
    this.#deps.logger.warn(
      { socketId: socket.id, namespace: socket.nsp.name, queuedBytes, reason },
      'slow consumer disconnected',
    );
    // Best effort: it sits behind everything already queued.
    socket.emit('error', { code: 'SLOW_CONSUMER', message: 'client reads slower than the stream' });
  }

  #forEachSocket(visit: (socket: Socket) => void): void {
    for (const name of NAMESPACE_NAMES) for (const socket of this.#namespace(name).sockets.values()) visit(socket);
  }

  #namespace(name: NamespaceName): Namespace {
    return this.#deps.io.of(name) as Namespace;
  }
}
