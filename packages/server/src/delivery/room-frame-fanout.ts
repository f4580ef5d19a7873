import type { Namespace } from 'socket.io';
import { PacketType } from 'socket.io-parser';
import type { NamespaceMessage } from './room-message.js';
import type { RoomRecipients } from './room-recipients.js';

/** The server's packet encoder (`io.encoder`, built from its `parser` option). */
export interface PacketEncoder {
  encode(packet: { type: PacketType; nsp: string; data: unknown[] }): unknown[];
}

/**
 * One broadcast, encoded once: the Socket.IO packet (what Engine.IO queues) and the complete WebSocket
 * text frame carrying it (header included), shared by every recipient.
 */
export interface BroadcastFrame {
  /** What it carries, for recipients that take Socket.IO's own path (outgoing-any listeners). */
  readonly message: NamespaceMessage;
  /** The encoder's Socket.IO packet, without the Engine.IO type: `2/prices,["price.update",{…}]`. */
  readonly packet: string;
  /** The unmasked, final WebSocket text frame of Engine.IO message `4` + packet, as a one-frame list. */
  readonly frames: readonly Buffer[];
  /** Payload bytes on the wire (without the frame header). */
  readonly bytes: number;
}

/** Where a fan-out goes: the members of `room` in `nsp` on this node, minus the socket ids in `except`. */
export interface FanoutTarget {
  readonly nsp: Namespace;
  readonly room: string;
  readonly except?: ReadonlySet<string> | undefined;
}

/** How a fan-out reached its recipients. */
export interface FanoutResult {
  /** Frames written straight to an idle WebSocket. */
  direct: number;
  /** Packets queued through Engine.IO (a transport busy with earlier packets, long-polling, upgrading). */
  queued: number;
  /** Sent with `socket.emit`: the socket has `onAnyOutgoing` listeners, which Socket.IO calls there. */
  emitted: number;
}

/**
 * Encodes with the server's own encoder, so the bytes are whatever its parser sends. Undefined when the
 * encoder does not give exactly one text packet (a binary parser, binary attachments): such a message takes
 * Socket.IO's public broadcast.
 */
export function encodeBroadcastFrame(encoder: PacketEncoder, message: NamespaceMessage): BroadcastFrame | undefined {
  const encoded = encoder.encode({
    type: PacketType.EVENT,
    nsp: message.namespace,
    data: [message.event, message.payload],
  });
  const packet = encoded[0];
  if (encoded.length !== 1 || typeof packet !== 'string') return undefined;
  // The text goes straight into the frame after its header: no intermediate body buffer to copy.
  const len = 1 + Buffer.byteLength(packet);
  const headerLength = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + len);
  frame[0] = 0x81; // FIN + text
  if (len < 126) {
    frame[1] = len;
  } else if (len < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    frame.writeUInt32BE(len >>> 0, 6);
  }
  frame[headerLength] = 0x34; // Engine.IO message: "4"
  frame.write(packet, headerLength + 1);
  return { message, packet, frames: [frame], bytes: len };
}

/**
 * Delivers a pre-encoded broadcast to the members of a room on this node.
 *
 * Socket.IO's own broadcast already encodes once, but then runs Engine.IO's per-socket machinery (packet
 * object, events, write buffer, flush, drain callbacks) for every recipient. Here a recipient whose
 * Engine.IO socket is open on an idle WebSocket transport (nothing waiting in its write buffer) gets the
 * shared frame written straight to its WebSocket: same bytes, same order, a fraction of the work. Anyone
 * else (long-polling, mid-upgrade, compression on, packets still buffered) goes through Engine.IO's queue
 * with the same pre-built frame, so ordering with acks, snapshots and pings is always Engine.IO's. A socket
 * with `onAnyOutgoing` listeners gets `socket.emit`, so they hear room messages too. The members come from
 * `recipients` (an array per room, rebuilt on join and leave), each with its WebSocket looked up once. Only
 * when `transport.framesAvailable`; otherwise see `fanOutPublicly`.
 *
 * `onQueuedWritten`, if given, runs once per queued recipient when Engine.IO has written its frame to the
 * transport (the direct writes are done when this returns), so the caller can time both.
 */
export function fanOutToRoom(
  target: FanoutTarget,
  frame: BroadcastFrame,
  recipients: RoomRecipients,
  onQueuedWritten?: () => void,
): FanoutResult {
  const result: FanoutResult = { direct: 0, queued: 0, emitted: 0 };
  const { nsp, room, except } = target;
  const members = recipients.members(nsp, room);
  if (members === undefined) return result;
  const transport = recipients.transport;
  const frames = frame.frames;
  const changes = recipients.changes;
  // Set once a listener joined or left someone mid-loop: from then on membership is checked live.
  let live: ReadonlySet<string> | undefined;
  for (let i = 0; i < members.length; i++) {
    const recipient = members[i] as (typeof members)[number];
    const socket = recipient.socket;
    if (except?.has(socket.id) || !transport.isOpen(recipient)) continue;
    if (live !== undefined && !live.has(socket.id)) continue;
    if (transport.hasOutgoingListeners(socket)) {
      socket.emit(frame.message.event, frame.message.payload);
      result.emitted++;
    } else if (transport.writeFrame(recipient, frames)) {
      // Anything Engine.IO handed to this WebSocket earlier is already in the socket's queue: order holds.
      result.direct++;
      continue;
    } else {
      transport.queueFrame(socket, frame.packet, frames, onQueuedWritten);
      result.queued++;
    }
    // Listeners ran (outgoing-any, Engine.IO's packet events): a member may have left or been removed.
    if (live === undefined && recipients.changes !== changes) live = nsp.adapter.rooms.get(room) ?? new Set();
  }
  return result;
}

/**
 * Socket.IO's public broadcast to this node's members only (`nsp.local`, never the adapter's other nodes),
 * for when the internals are not there or the encoder's output cannot be framed once. Returns how many
 * members it went to.
 */
export function fanOutPublicly(target: FanoutTarget, message: NamespaceMessage): number {
  const { nsp, room, except } = target;
  const members = nsp.adapter.rooms.get(room);
  if (members === undefined) return 0;
  let recipients = 0;
  for (const id of members) if (!except?.has(id) && nsp.sockets.get(id)?.conn.readyState === 'open') recipients++;
  let operator = nsp.local.to(room);
  if (except !== undefined && except.size > 0) operator = operator.except([...except]);
  operator.emit(message.event, message.payload);
  return recipients;
}
