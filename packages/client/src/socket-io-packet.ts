/** Socket.IO protocol v5 packet types (what socket.io-parser calls `PacketType`). */
export const PacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
} as const;

/** One Socket.IO packet of a namespace. */
export interface Packet {
  type: number;
  nsp: string;
  id?: number | undefined;
  data?: unknown;
}

/**
 * Text encoding of a packet: `<type>[<nsp>,][<id>][<json>]`, the namespace left out for `/`. JSON only:
 * the gateway's protocol has no binary payloads, so there are no attachment (BINARY_*) packets.
 */
export function encodePacket({ type, nsp, id, data }: Packet): string {
  return `${type}${nsp === '/' ? '' : `${nsp},`}${id ?? ''}${data === undefined ? '' : JSON.stringify(data)}`;
}

const TEXT_PACKET = /^([0-4])(?:(\/[^,]*),?)?(\d*)([\s\S]*)$/;

/** Decodes a text packet; null for anything that is not a well-formed packet (binary ones included). */
export function decodePacket(text: string): Packet | null {
  const m = TEXT_PACKET.exec(text);
  if (!m) return null;
  const type = Number(m[1]);
  let data: unknown;
  try {
    data = m[4] ? JSON.parse(m[4]) : undefined;
  } catch {
    return null;
  }
  const valid =
    type === PacketType.DISCONNECT
      ? data === undefined
      : type === PacketType.EVENT
        ? Array.isArray(data) && typeof data[0] === 'string'
        : type === PacketType.ACK
          ? Array.isArray(data)
          : typeof data === 'object' && data !== null;
  return valid ? { type, nsp: m[2] ?? '/', id: m[3] ? Number(m[3]) : undefined, data } : null;
}
