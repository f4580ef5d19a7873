import { randomFillSync } from 'node:crypto';

/**
 * RFC 6455 framing for a load-test client: a parser for the server's (unmasked) frames that copies as little
 * as it can, and masked client frames. No extensions are negotiated, so RSV bits are always a violation.
 */

export const OPCODE_CONTINUATION = 0x0;
export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;
export const OPCODE_CLOSE = 0x8;
export const OPCODE_PING = 0x9;
export const OPCODE_PONG = 0xa;

/**
 * `utf8` decodes text exactly (invalid sequences become U+FFFD rather than failing the connection: this is
 * a load generator, not a validator). `latin1` maps each byte to one char: cheaper, exact for ASCII, and
 * every ASCII byte of UTF-8 text stays where it was (multi-byte sequences never contain ASCII bytes), so
 * scans for ASCII keys and values remain exact.
 */
export type TextEncoding = 'utf8' | 'latin1';

/** Where the parser delivers what it read. Payload buffers of ping/pong are only valid during the call. */
export interface FrameSink {
  /** A complete text message (reassembled when it came in fragments). */
  onText(text: string): void;
  /** A complete binary message (a copy the receiver may keep). */
  onBinary(data: Buffer): void;
  onPing(payload: Buffer): void;
  onPong(payload: Buffer): void;
  /** The server's close frame: 1005 when it carried no code. Nothing after it is parsed. */
  onClose(code: number, reason: string): void;
  /** The stream broke the protocol; nothing more is parsed. `closeCode` is the one to send back (1002, 1009). */
  onProtocolError(message: string, closeCode: number): void;
}

/** Buffer's own slice decoders: what `toString(encoding, start, end)` ends up calling, minus its dispatch. */
interface SliceDecoders {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

const HAS_SLICE_DECODERS =
  typeof (Buffer.prototype as Partial<SliceDecoders>).latin1Slice === 'function' &&
  typeof (Buffer.prototype as Partial<SliceDecoders>).utf8Slice === 'function';

/** Decodes `buf[start, end)` as text. */
export function decodeText(buf: Buffer, start: number, end: number, encoding: TextEncoding): string {
  if (HAS_SLICE_DECODERS) {
    const b = buf as Buffer & SliceDecoders;
    return encoding === 'latin1' ? b.latin1Slice(start, end) : b.utf8Slice(start, end);
  }
  return buf.toString(encoding, start, end);
}

/** Close codes a peer may send (RFC 6455 §7.4). */
function validCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999)
  );
}

/** Largest header: 2 + 8 bytes of length (server frames carry no mask). */
const MAX_HEADER = 10;

/**
 * Incremental parser of server frames. Complete frames are decoded straight from the chunk they arrived in;
 * only a frame cut by the end of a chunk is copied, into a per-connection scratch buffer sized to that frame,
 * and only the bytes it still lacks are taken from the next chunk.
 */
export class FrameParser {
  private readonly latin1: boolean;
  /** The frame cut by the end of the previous chunk. */
  private pending: Buffer | null = null;
  private pendingLen = 0;
  /** Header plus payload length of the pending frame; 0 while its header is still incomplete. */
  private pendingNeed = 0;
  private pendingHeader = 0;
  /** Fragments of a message in progress, its opcode and size so far. */
  private fragments: Buffer[] | null = null;
  private fragmentsOpcode = 0;
  private fragmentsLen = 0;
  /** Set by the header reader: header and payload length of the frame at hand. */
  private headerLen = 0;
  private payloadLen = 0;
  private stopped = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxPayload: number,
    encoding: TextEncoding = 'utf8',
  ) {
    this.latin1 = encoding === 'latin1';
  }

  /** Stops parsing (a close frame, a violation, or the owner giving up); later input is ignored. */
  stop(): void {
    this.stopped = true;
    this.pending = null;
    this.fragments = null;
  }

  /** Parses `buf[start, end)`. The buffer may be reused by the caller once this returns. */
  push(buf: Buffer, start: number, end: number): void {
    let off = start;
    if (this.stopped) return;
    if (this.pendingLen > 0) {
      off = this.completePending(buf, off, end);
      if (off < 0 || this.stopped) return;
    }
    let need = 0;
    while (off < end) {
      const status = this.readHeader(buf, off, end - off);
      if (status <= 0) {
        if (status < 0) return;
        need = 0;
        break;
      }
      need = this.headerLen + this.payloadLen;
      if (end - off < need) break;
      this.frame(buf, off, off + this.headerLen, off + need);
      if (this.stopped) return;
      off += need;
    }
    if (off < end) this.stash(buf, off, end, need);
  }

  /**
   * Reads the frame header at `off` into headerLen/payloadLen: 1 when complete, 0 when more bytes are needed,
   * -1 when it broke the protocol (the sink was told).
   */
  private readHeader(buf: Buffer, off: number, avail: number): number {
    if (avail < 2) return 0;
    const b0 = buf[off] as number;
    const b1 = buf[off + 1] as number;
    let len = b1 & 0x7f;
    let header = 2;
    if (len === 126) {
      if (avail < 4) return 0;
      len = ((buf[off + 2] as number) << 8) | (buf[off + 3] as number);
      header = 4;
    } else if (len === 127) {
      if (avail < 10) return 0;
      const high = buf.readUInt32BE(off + 2);
      // 2^53 - 1 is the largest exact length; anything near it is over maxPayload anyway.
      if (high > 0x1fffff) return this.fail('payload length over 2^53', 1009);
      len = high * 0x100000000 + buf.readUInt32BE(off + 6);
      header = 10;
    }
    if ((b1 & 0x80) !== 0 || (b0 & 0x70) !== 0 || len > this.maxPayload) return this.headerProblem(b0, b1, len);
    this.headerLen = header;
    this.payloadLen = len;
    return 1;
  }

  private headerProblem(b0: number, b1: number, len: number): number {
    if ((b1 & 0x80) !== 0) return this.fail('a server frame is masked', 1002);
    if ((b0 & 0x70) !== 0) return this.fail('RSV bits set without a negotiated extension', 1002);
    return this.fail(`frame payload of ${len} bytes is over the ${this.maxPayload}-byte limit`, 1009);
  }

  private fail(message: string, closeCode: number): -1 {
    this.stop();
    this.sink.onProtocolError(message, closeCode);
    return -1;
  }

  /** Keeps the cut frame `buf[off, end)`; `need` is its full length when its header was complete. */
  private stash(buf: Buffer, off: number, end: number, need: number): void {
    const have = end - off;
    const size = Math.max(need, MAX_HEADER, have);
    if (this.pending === null || this.pending.length < size) this.pending = Buffer.allocUnsafe(size);
    buf.copy(this.pending, 0, off, end);
    this.pendingLen = have;
    this.pendingNeed = need;
    this.pendingHeader = need > 0 ? this.headerLen : 0;
  }

  /** Moves bytes from `buf` into the pending frame; returns where `buf` continues, or -1 when it is used up. */
  private completePending(buf: Buffer, start: number, end: number): number {
    let off = start;
    let pending = this.pending as Buffer;
    while (this.pendingNeed === 0) {
      // Header still incomplete: take one more byte at a time until it is (at most 9 rounds).
      if (off >= end) return -1;
      pending[this.pendingLen++] = buf[off++] as number;
      const status = this.readHeader(pending, 0, this.pendingLen);
      if (status < 0) return -1;
      if (status > 0) {
        this.pendingHeader = this.headerLen;
        this.pendingNeed = this.headerLen + this.payloadLen;
        if (pending.length < this.pendingNeed) {
          const grown = Buffer.allocUnsafe(this.pendingNeed);
          pending.copy(grown, 0, 0, this.pendingLen);
          this.pending = pending = grown;
        }
      }
    }
    const take = Math.min(this.pendingNeed - this.pendingLen, end - off);
    buf.copy(pending, this.pendingLen, off, off + take);
    this.pendingLen += take;
    off += take;
    if (this.pendingLen < this.pendingNeed) return -1;
    const frameEnd = this.pendingNeed;
    this.pendingLen = 0;
    this.pendingNeed = 0;
    this.frame(pending, 0, this.pendingHeader, frameEnd);
    // Do not hold on to a scratch buffer sized for one big frame.
    if (pending.length > 64 * 1024) this.pending = null;
    return off;
  }

  /** One complete frame: header at `at`, payload `[start, end)`. */
  private frame(buf: Buffer, at: number, start: number, end: number): void {
    const b0 = buf[at] as number;
    // The common case first: a whole text message in one frame.
    if (b0 === 0x81 && this.fragments === null) {
      this.sink.onText(this.latin1 ? decodeText(buf, start, end, 'latin1') : decodeText(buf, start, end, 'utf8'));
      return;
    }
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (opcode >= 0x8) {
      this.control(opcode, fin, buf, start, end);
      return;
    }
    if (opcode === OPCODE_TEXT || opcode === OPCODE_BINARY) {
      if (this.fragments !== null) {
        this.fail('a new message began inside a fragmented one', 1002);
        return;
      }
      if (fin) {
        this.deliver(opcode, buf, start, end);
        return;
      }
      this.fragments = [Buffer.from(buf.subarray(start, end))];
      this.fragmentsOpcode = opcode;
      this.fragmentsLen = end - start;
      return;
    }
    if (opcode !== OPCODE_CONTINUATION) {
      this.fail(`unknown opcode ${opcode}`, 1002);
      return;
    }
    if (this.fragments === null) {
      this.fail('a continuation frame without a message to continue', 1002);
      return;
    }
    this.fragmentsLen += end - start;
    if (this.fragmentsLen > this.maxPayload) {
      this.fail(`message of over ${this.maxPayload} bytes`, 1009);
      return;
    }
    this.fragments.push(Buffer.from(buf.subarray(start, end)));
    if (!fin) return;
    const whole = Buffer.concat(this.fragments, this.fragmentsLen);
    this.fragments = null;
    this.deliver(this.fragmentsOpcode, whole, 0, whole.length);
  }

  private deliver(opcode: number, buf: Buffer, start: number, end: number): void {
    if (opcode === OPCODE_TEXT) this.sink.onText(decodeText(buf, start, end, this.latin1 ? 'latin1' : 'utf8'));
    else this.sink.onBinary(Buffer.from(buf.subarray(start, end)));
  }

  private control(opcode: number, fin: boolean, buf: Buffer, start: number, end: number): void {
    if (!fin) {
      this.fail('a fragmented control frame', 1002);
      return;
    }
    if (end - start > 125) {
      this.fail('a control frame payload over 125 bytes', 1002);
      return;
    }
    if (opcode === OPCODE_PING) {
      this.sink.onPing(buf.subarray(start, end));
    } else if (opcode === OPCODE_PONG) {
      this.sink.onPong(buf.subarray(start, end));
    } else if (opcode === OPCODE_CLOSE) {
      if (end - start === 1) {
        this.fail('a close frame with a 1-byte payload', 1002);
        return;
      }
      const code = end - start >= 2 ? buf.readUInt16BE(start) : 1005;
      if (end - start >= 2 && !validCloseCode(code)) {
        this.fail(`invalid close code ${code}`, 1002);
        return;
      }
      this.stop();
      this.sink.onClose(code, end - start > 2 ? buf.toString('utf8', start + 2, end) : '');
    } else {
      this.fail(`unknown opcode ${opcode}`, 1002);
    }
  }
}

/** Mask keys come from a pool of random bytes, refilled in one call when used up (as `ws` does). */
const MASK_POOL = Buffer.allocUnsafe(8192);
let maskAt = MASK_POOL.length;

/** A complete, masked client frame (FIN set) carrying `payload` (a string is sent as UTF-8). */
export function clientFrame(opcode: number, payload: string | Uint8Array): Buffer {
  const len = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const header = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + len);
  frame[0] = 0x80 | opcode;
  if (header === 2) {
    frame[1] = 0x80 | len;
  } else if (header === 4) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(len / 0x100000000), 2);
    frame.writeUInt32BE(len >>> 0, 6);
  }
  if (maskAt + 4 > MASK_POOL.length) {
    randomFillSync(MASK_POOL);
    maskAt = 0;
  }
  MASK_POOL.copy(frame, header, maskAt, maskAt + 4);
  maskAt += 4;
  const data = header + 4;
  if (typeof payload === 'string') frame.write(payload, data, len, 'utf8');
  else frame.set(payload, data);
  for (let i = 0; i < len; i++) frame[data + i] = (frame[data + i] as number) ^ (frame[header + (i & 3)] as number);
  return frame;
}
