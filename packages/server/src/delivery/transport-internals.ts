import * as engineIo from 'engine.io';
import { type Socket, Socket as SocketIoSocket } from 'socket.io';
import * as ws from 'ws';
import type { Logger } from '../logger.js';
import { FrameWriteBatch } from './frame-write-batch.js';

/*
 * Every member of Engine.IO 6 and ws 8 the delivery path uses that neither package documents, in this one
 * file (the versions are pinned in package.json; `test/integration/transport-internals.test.ts` pins the
 * shape). socket.io-adapter relies on the same members for its own pre-encoded frames:
 *
 * - Engine.IO `Socket#writeBuffer`: packets queued until the transport is writable (private).
 * - Engine.IO `Socket#write(data, { wsPreEncodedFrame })`: `write` is public, the option is not; the
 *   WebSocket transport (`_canSendPreEncodedFrame`) writes the given frame instead of encoding `data`.
 * - Engine.IO WebSocket transport `#socket`: its ws `WebSocket` (private).
 * - ws `WebSocket#_sender.sendFrame(list)`: writes a complete, pre-built frame (private).
 * - Engine.IO `Socket` event `packetCreate`: emitted before Engine.IO writes a packet (public, undocumented).
 * - ws `WebSocket#bufferedAmount` and `#readyState` (public, but reached through the private `socket`).
 * - Engine.IO transport `#writable` (private) and `Socket#flush()` (undocumented), and ws `WebSocket#_socket`
 *   (its net.Socket, private): `holdWrites` queues a burst of packets and writes them corked.
 * - Socket.IO `Socket#_anyOutgoingListeners`: where `onAnyOutgoing` keeps its listeners (private), read
 *   instead of `listenersAnyOutgoing()`, which allocates an empty array per call. Checked once at start-up
 *   on a probe object; when it is not where expected the public method is used.
 *
 * The classes are checked once at start-up, and the instance fields on the first connection that has
 * them (Engine.IO's `connection` event, or `upgrade` to WebSocket), before anything is delivered to it. If
 * anything is missing, a warning names it, room messages take Socket.IO's public broadcast and the
 * slow-consumer guard stays off rather than read 0 for every queue.
 */

interface WsSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly _sender: { sendFrame(list: readonly Buffer[], cb?: (err?: Error) => void): void };
}

interface EngineTransport {
  readonly name: string;
  readonly perMessageDeflate?: unknown;
  readonly socket?: WsSocket & { readonly _socket?: { cork(): void; uncork(): void } };
  /** False while a write is in flight: Engine.IO queues packets in `writeBuffer` until it is true again. */
  writable: boolean;
}

interface EngineSocket {
  readonly readyState: string;
  readonly writeBuffer: readonly { readonly data?: unknown }[];
  readonly transport: EngineTransport;
  flush(): void;
  write(data: string, options: { wsPreEncodedFrame: readonly Buffer[] }, callback?: () => void): unknown;
  on(event: 'upgrade' | 'packetCreate', listener: (transport: unknown) => void): unknown;
  off(event: 'upgrade', listener: (transport: unknown) => void): unknown;
}

/** The engine's `connection` event, where each new Engine.IO socket shows up. */
export interface EngineEvents {
  on(event: 'connection', listener: (conn: unknown) => void): unknown;
  off(event: 'connection', listener: (conn: unknown) => void): unknown;
}

const WS_OPEN = 1;

/**
 * One member of a room as the fan-out writes to it (see `RoomRecipients`): its socket, its Engine.IO
 * connection and, while the connection's transport is still `transport`, the WebSocket a frame may be
 * written to (undefined: long-polling, or compression on; everything is queued through Engine.IO).
 * Re-read from the connection when its transport changes (an upgrade from polling).
 */
export interface Recipient {
  readonly socket: Socket;
}

/** What a `Recipient` holds behind its one public field (only this file reads it). */
interface TrackedRecipient extends Recipient {
  readonly conn: EngineSocket;
  transport: EngineTransport;
  ws: WsSocket | undefined;
}

/** Whether `onAnyOutgoing` keeps its listeners in `_anyOutgoingListeners`, where the fan-out reads them. */
function anyOutgoingFieldWorks(): boolean {
  const proto = (SocketIoSocket as unknown as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  const add = proto?.onAnyOutgoing;
  if (proto === undefined || typeof add !== 'function') return false;
  const probe = Object.create(proto) as { _anyOutgoingListeners?: unknown[] };
  const listener = () => {};
  try {
    add.call(probe, listener);
  } catch {
    return false;
  }
  return Array.isArray(probe._anyOutgoingListeners) && probe._anyOutgoingListeners[0] === listener;
}

/** What the installed classes lack (empty: all there). Exported for the contract test. */
export function missingClassMembers(): string[] {
  const missing: string[] = [];
  const sender = (ws as unknown as { Sender?: { prototype?: { sendFrame?: unknown } } }).Sender;
  if (typeof sender?.prototype?.sendFrame !== 'function') missing.push('ws Sender#sendFrame');
  const proto = (ws as unknown as { WebSocket?: { prototype?: object } }).WebSocket?.prototype;
  for (const name of ['bufferedAmount', 'readyState']) {
    if (!proto || typeof Object.getOwnPropertyDescriptor(proto, name)?.get !== 'function') {
      missing.push(`ws WebSocket#${name}`);
    }
  }
  const transport = (engineIo as unknown as { transports?: { websocket?: { prototype?: Record<string, unknown> } } })
    .transports?.websocket?.prototype;
  if (typeof transport?._canSendPreEncodedFrame !== 'function') {
    missing.push('engine.io WebSocket transport wsPreEncodedFrame (#_canSendPreEncodedFrame)');
  }
  if (
    typeof (engineIo as unknown as { Socket?: { prototype?: { write?: unknown } } }).Socket?.prototype?.write !==
    'function'
  ) {
    missing.push('engine.io Socket#write');
  }
  return missing;
}

/** What one live Engine.IO socket lacks: the engine's fields always, the WebSocket's when it has one. */
export function missingConnectionMembers(conn: unknown): string[] {
  const c = conn as Partial<EngineSocket> | undefined;
  const missing: string[] = [];
  if (!Array.isArray(c?.writeBuffer)) missing.push('engine.io Socket#writeBuffer');
  if (typeof c?.transport?.name !== 'string') missing.push('engine.io Socket#transport.name');
  if (typeof c?.transport?.writable !== 'boolean') missing.push('engine.io Socket#transport.writable');
  if (typeof c?.flush !== 'function') missing.push('engine.io Socket#flush');
  if (c?.transport?.name === 'websocket') {
    const socket = c.transport.socket;
    if (typeof socket?._sender?.sendFrame !== 'function')
      missing.push('engine.io WebSocket transport #socket._sender.sendFrame');
    if (typeof socket?.bufferedAmount !== 'number')
      missing.push('engine.io WebSocket transport #socket.bufferedAmount');
    if (typeof socket?.readyState !== 'number') missing.push('engine.io WebSocket transport #socket.readyState');
    if (typeof socket?._socket?.cork !== 'function') missing.push('engine.io WebSocket transport #socket._socket.cork');
  }
  return missing;
}

/** The WebSocket a pre-built frame can be written to on this transport: none for polling or with compression. */
function directSocketOf(transport: EngineTransport): WsSocket | undefined {
  return transport.name === 'websocket' && !transport.perMessageDeflate ? transport.socket : undefined;
}

type Verdict = 'unchecked' | 'ok' | 'missing';

/** The one door to Engine.IO's and ws's internals; see the comment at the top of this file. */
export class TransportInternals {
  #engine: Verdict;
  #websocket: Verdict;
  #logger: Logger;
  #detach: (() => void) | undefined;
  readonly #anyOutgoingField = anyOutgoingFieldWorks();
  #detachBatch: (() => void) | undefined;
  /** Frames of the current delivery batch per connection (see `batch`). */
  readonly #batch = new FrameWriteBatch<EngineSocket>((conn, frames) => writeNow(conn, frames));

  private constructor(logger: Logger, missing: readonly string[]) {
    this.#logger = logger;
    this.#engine = 'unchecked';
    this.#websocket = 'unchecked';
    if (missing.length > 0) this.#giveUp(missing);
  }

  /** Checks the classes now and every instance field on the first connections of `engine`. */
  static probe(engine: EngineEvents, logger: Logger): TransportInternals {
    const internals = new TransportInternals(logger, missingClassMembers());
    internals.#watch(engine);
    internals.#guardBatches(engine);
    return internals;
  }

  /** Internals never used: every delivery takes Socket.IO's public path (the contract test's reference). */
  static publicOnly(logger: Logger): TransportInternals {
    return new TransportInternals(logger, []).#off();
  }

  /** Frames may be written straight to WebSockets and queued with their pre-built frame. */
  get framesAvailable(): boolean {
    return this.#engine === 'ok' && this.#websocket === 'ok';
  }

  /** Queues can be measured (the slow-consumer guard); a WebSocket not yet checked cannot exist yet. */
  get queuesMeasurable(): boolean {
    return this.#engine === 'ok' && this.#websocket !== 'missing';
  }

  /** `socket` as the fan-out keeps it, with its WebSocket looked up once (see `Recipient`). */
  recipient(socket: Socket): Recipient {
    const conn = socket.conn as unknown as EngineSocket;
    const transport = conn.transport;
    const recipient: TrackedRecipient = { socket, conn, transport, ws: directSocketOf(transport) };
    return recipient;
  }

  /** The connection is open (not closing or closed). */
  isOpen(recipient: Recipient): boolean {
    return (recipient as TrackedRecipient).conn.readyState === 'open';
  }

  /** The socket has `onAnyOutgoing` listeners (which only `socket.emit` calls). */
  hasOutgoingListeners(socket: Socket): boolean {
    if (!this.#anyOutgoingField) return socket.listenersAnyOutgoing().length > 0;
    const listeners = (socket as unknown as { _anyOutgoingListeners?: readonly unknown[] })._anyOutgoingListeners;
    return listeners !== undefined && listeners.length > 0;
  }

  /**
   * Writes `frames` (one complete WebSocket frame) straight to the connection's WebSocket when it is open
   * and Engine.IO holds nothing for it, so order with everything Engine.IO sent earlier holds; false when
   * the frame has to be queued instead. Only when `framesAvailable`.
   */
  writeFrame(target: Recipient, frames: readonly Buffer[]): boolean {
    const recipient = target as TrackedRecipient;
    const conn = recipient.conn;
    const batch = this.#batch;
    // Frames pending in this batch: the rest of the batch goes after them (nothing reached Engine.IO since).
    if (batch.open && batch.pendingOf(conn) !== undefined) {
      batch.add(conn, frames);
      return true;
    }
    if (conn.transport !== recipient.transport) {
      // Upgraded since the recipient was made: its WebSocket now, or still none.
      recipient.transport = conn.transport;
      recipient.ws = directSocketOf(conn.transport);
    }
    const wsSocket = recipient.ws;
    if (wsSocket === undefined || conn.writeBuffer.length !== 0 || wsSocket.readyState !== WS_OPEN) return false;
    if (batch.open) batch.add(conn, frames);
    else wsSocket._sender.sendFrame(frames);
    return true;
  }

  /**
   * The delivery batch: while one runs (`batch.run`, `batch.openForTurn`), `writeFrame` collects each
   * connection's frames and writes them at its end with one system call per connection (the frames
   * concatenated into one buffer), the same frames in the same order. Engine.IO writing a packet to a
   * connection with frames pending (an ack, a snapshot, `socket.emit`) writes those frames first.
   */
  get batch(): FrameWriteBatch<object> {
    return this.#batch as unknown as FrameWriteBatch<object>;
  }

  /** Writes the socket's pending batch frames now (before something that bypasses Engine.IO's queue). */
  flushPending(socket: Socket): void {
    if (this.#batch.size > 0) this.#batch.flushOne(socket.conn as unknown as EngineSocket);
  }

  /** Queues `packet` through Engine.IO with its pre-built frame; `onWritten` once the transport wrote it. */
  queueFrame(socket: Socket, packet: string, frames: readonly Buffer[], onWritten?: () => void): void {
    (socket.conn as unknown as EngineSocket).write(packet, { wsPreEncodedFrame: frames }, onWritten);
  }

  /**
   * Holds what Engine.IO would write to the connection until the returned `release`, which writes it all with
   * one system call (Engine.IO's flush with the TCP socket corked). A connection's set-up sends several small
   * packets in one turn (the namespace CONNECT and `connection.authenticated`; a subscribe's ack, confirmation
   * and snapshot): each would be its own frame write. Order is kept: a room frame finds the queue non-empty
   * and queues behind. Undefined (nothing held) when the transport is busy anyway (Engine.IO queues already),
   * not an open WebSocket, or the internals are missing. `release` must be called, at the latest on the next tick.
   */
  holdWrites(socket: Socket): (() => void) | undefined {
    if (!this.framesAvailable) return undefined;
    const conn = socket.conn as unknown as EngineSocket;
    const transport = conn.transport;
    if (transport.name !== 'websocket' || transport.writable !== true || conn.readyState !== 'open') return undefined;
    transport.writable = false;
    return () => {
      // Upgraded meanwhile (cannot happen on a WebSocket, but the flag is the old transport's), or released.
      if (conn.transport !== transport || transport.writable) return;
      transport.writable = true;
      if (conn.writeBuffer.length === 0) return;
      const tcp = transport.socket?._socket;
      tcp?.cork();
      try {
        conn.flush();
      } finally {
        tcp?.uncork();
      }
    };
  }

  /** Bytes held for the client: Engine.IO's packet buffer plus what the WebSocket has not written. */
  queuedBytes(socket: Socket): number {
    const conn = socket.conn as unknown as EngineSocket;
    let bytes = conn.transport.socket?.bufferedAmount ?? 0;
    for (const packet of conn.writeBuffer) {
      const d = packet.data;
      bytes += typeof d === 'string' ? d.length : d instanceof Uint8Array ? d.byteLength : 0;
    }
    return bytes;
  }

  /** Nothing held for the client (cheaper than `queuedBytes() === 0`: no walk over the buffer). */
  isIdle(socket: Socket): boolean {
    const conn = socket.conn as unknown as EngineSocket;
    return conn.writeBuffer.length === 0 && (conn.transport.socket?.bufferedAmount ?? 0) === 0;
  }

  close(): void {
    this.#detach?.();
    this.#detach = undefined;
  }

  /** Stops watching new connections for the batch's ordering (shutdown). */
  closeBatches(): void {
    this.#batch.flush();
    this.#detachBatch?.();
    this.#detachBatch = undefined;
  }

  /** Every connection: before Engine.IO writes a packet to it, its pending batch frames go out. */
  #guardBatches(engine: EngineEvents): void {
    if (this.#engine === 'missing') return;
    const onConnection = (connection: unknown) => {
      const conn = connection as EngineSocket;
      conn.on('packetCreate', () => {
        if (this.#batch.size > 0) this.#batch.flushOne(conn);
      });
    };
    engine.on('connection', onConnection);
    this.#detachBatch = () => engine.off('connection', onConnection);
  }

  #watch(engine: EngineEvents): void {
    if (this.#engine === 'missing') return;
    const onConnection = (connection: unknown) => {
      const conn = connection as EngineSocket;
      this.#check(conn);
      if (this.#websocket !== 'unchecked' || this.#engine === 'missing') return;
      // Polling first: the WebSocket fields show up when it upgrades.
      const onUpgrade = () => {
        conn.off('upgrade', onUpgrade);
        this.#check(conn);
      };
      conn.on('upgrade', onUpgrade);
    };
    engine.on('connection', onConnection);
    this.#detach = () => engine.off('connection', onConnection);
  }

  #check(conn: EngineSocket): void {
    if (this.framesAvailable || this.#engine === 'missing' || this.#websocket === 'missing') return;
    const missing = missingConnectionMembers(conn);
    if (missing.length > 0) {
      this.#giveUp(missing);
      return;
    }
    this.#engine = 'ok';
    if (conn.transport.name === 'websocket') this.#websocket = 'ok';
    if (this.framesAvailable) this.close();
  }

  #giveUp(missing: readonly string[]): void {
    this.#off();
    this.close();
    this.#logger.warn(
      { missing },
      'engine.io/ws internals not found: room messages take the public Socket.IO path and the slow-consumer guard is off',
    );
  }

  #off(): this {
    this.#engine = 'missing';
    this.#websocket = 'missing';
    return this;
  }
}

/**
 * One connection's frames of a batch, in order, with one system call: concatenated into one buffer, which
 * cost 3–15 % less CPU per frame than corking the socket around separate writes (Node's `writev` path) in a
 * loopback micro-benchmark of 3–10 frames of 160 bytes per connection; both far less than a write each.
 * A WebSocket closed meanwhile gets nothing, as Engine.IO's queue would not write to it either.
 */
function writeNow(conn: EngineSocket, frames: Buffer[]): void {
  const wsSocket = conn.transport.socket;
  if (wsSocket === undefined || wsSocket.readyState !== WS_OPEN) return;
  wsSocket._sender.sendFrame(frames.length === 1 ? frames : [Buffer.concat(frames)]);
}
