import type { Namespace, Socket } from 'socket.io';

/**
 * One broadcast, encoded once: the Socket.IO packet (what Engine.IO queues) and the complete WebSocket
 * text frame carrying it (header included), shared by every recipient.
 */
export interface BroadcastFrame {
  /** Socket.IO EVENT packet without the Engine.IO type: `2/prices,["price.update",{…}]`. */
  readonly packet: string;
  /** The unmasked, final WebSocket text frame of Engine.IO message `4` + packet. */
  readonly frame: Buffer;
  /** Payload bytes on the wire (without the frame header). */
  readonly bytes: number;
}

/** How a fan-out reached its recipients. */
export interface FanoutResult {
  /** Frames written straight to an idle WebSocket. */
  direct: number;
  /** Packets queued through Engine.IO (a transport busy with earlier packets, long-polling, upgrading). */
  queued: number;
}

/** The parts of Engine.IO 6 / ws 8 the fast path relies on; checked on every use, never assumed. */
interface EngineSocket {
  readyState: string;
  writeBuffer: unknown[];
  transport: {
    name: string;
    perMessageDeflate?: unknown;
    socket?: { readyState: number; _sender?: { sendFrame?: (list: Buffer[], cb?: () => void) => void } };
  };
  write(data: string, options: { wsPreEncodedFrame: Buffer[] }, callback?: () => void): void;
}

/** Encodes `event` with `payload` for namespace `nsp` exactly as Socket.IO's default parser would. */
export function encodeBroadcastFrame(nsp: string, event: string, payload: object): BroadcastFrame {
  const packet = `2${nsp === '/' ? '' : `${nsp},`}${JSON.stringify([event, payload])}`;
  const body = Buffer.from(`4${packet}`);
  const len = body.length;
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
  body.copy(frame, headerLength);
  return { packet, frame, bytes: len };
}

/**
 * Delivers a pre-encoded broadcast to the members of `room` on this node, skipping `except`.
 *
 * Socket.IO's own broadcast already encodes once, but then runs Engine.IO's per-socket machinery (packet
 * object, events, write buffer, flush, drain callbacks) for every recipient. Here a recipient whose
 * Engine.IO socket is open on an idle WebSocket transport (nothing waiting in its write buffer) gets the
 * shared frame written straight to its WebSocket: same bytes, same order, a fraction of the work. Anyone
 * else (long-polling, mid-upgrade, compression on, packets still buffered) goes through Engine.IO's queue
 * with the same pre-built frame, so ordering with acks, snapshots and pings is always Engine.IO's.
 *
 * `onQueuedWritten`, if given, runs once per queued recipient when Engine.IO has written its frame to the
 * transport (the direct writes are done when this returns), so the caller can time both.
 */
export function fanOutToRoom(
  nsp: Namespace,
  room: string,
  frame: BroadcastFrame,
  except?: ReadonlySet<string>,
  onQueuedWritten?: () => void,
): FanoutResult {
  const result: FanoutResult = { direct: 0, queued: 0 };
  const members = nsp.adapter.rooms.get(room);
  if (members === undefined) return result;
  let list: Buffer[] | undefined;
  for (const id of members) {
    if (except?.has(id)) continue;
    const socket: Socket | undefined = nsp.sockets.get(id);
    if (socket === undefined) continue;
    const conn = socket.conn as unknown as EngineSocket;
    if (conn.readyState !== 'open') continue;
    list ??= [frame.frame];
    const ws = conn.transport.socket;
    const sendFrame = ws?._sender?.sendFrame;
    if (
      conn.writeBuffer.length === 0 &&
      conn.transport.name === 'websocket' &&
      !conn.transport.perMessageDeflate &&
      ws?.readyState === 1 &&
      typeof sendFrame === 'function'
    ) {
      // Anything Engine.IO handed to this WebSocket earlier is already in the socket's queue: order holds.
      sendFrame.call(ws._sender, list);
      result.direct++;
    } else {
      conn.write(frame.packet, { wsPreEncodedFrame: list }, onQueuedWritten);
      result.queued++;
    }
  }
  return result;
}
