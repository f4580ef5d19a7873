/**
 * Follows the server→client byte stream of one WebSocket connection (the HTTP 101 response, then
 * unmasked frames) so a fault can cut it strictly inside a frame, not between two.
 */
export class WebSocketFrameCursor {
  private inHeaders = true;
  private headerTail = '';
  /** Bytes of the frame in progress collected so far while its header is incomplete. */
  private header: number[] = [];
  /** Bytes left of the frame in progress (header included), or 0 between frames. */
  private remaining = 0;
  /** Bytes of the frame in progress already seen. */
  private seen = 0;

  /**
   * An offset in `chunk` (1 … chunk.length - 1) that lies strictly inside a frame, or -1 if there is none
   * (the chunk is too short, or holds only HTTP headers). Does not consume the chunk: call `advance` next.
   */
  cutInside(chunk: Buffer): number {
    const probe = this.clone();
    for (let i = 0; i < chunk.length; i++) {
      // Inside: part of the frame's header or payload is before `i`, and more of it is at `i`.
      const insideBefore = (probe.remaining > 0 && probe.seen > 0) || probe.header.length > 0;
      if (insideBefore && i > 0) return i;
      probe.step(chunk[i]!);
    }
    return -1;
  }

  advance(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (!this.inHeaders && this.remaining > 0) {
        // Skip the payload in one step: only headers need looking at byte by byte.
        const n = Math.min(this.remaining, chunk.length - i);
        this.remaining -= n;
        this.seen = this.remaining === 0 ? 0 : this.seen + n;
        i += n;
      } else {
        this.step(chunk[i]!);
        i++;
      }
    }
  }

  private clone(): WebSocketFrameCursor {
    const copy = new WebSocketFrameCursor();
    copy.inHeaders = this.inHeaders;
    copy.headerTail = this.headerTail;
    copy.header = [...this.header];
    copy.remaining = this.remaining;
    copy.seen = this.seen;
    return copy;
  }

  private step(byte: number): void {
    if (this.inHeaders) {
      this.headerTail = (this.headerTail + String.fromCharCode(byte)).slice(-4);
      if (this.headerTail === '\r\n\r\n') this.inHeaders = false;
      return;
    }
    if (this.remaining > 0) {
      this.seen++;
      this.remaining--;
      if (this.remaining === 0) this.seen = 0;
      return;
    }
    this.header.push(byte);
    const size = headerSize(this.header);
    if (size === undefined || this.header.length < size) return;
    const payload = payloadLength(this.header);
    // The header bytes are already consumed: what remains is the payload; `seen` counts from the frame start.
    this.seen = size;
    this.remaining = payload;
    this.header = [];
    if (this.remaining === 0) this.seen = 0;
  }
}

function headerSize(header: number[]): number | undefined {
  if (header.length < 2) return undefined;
  const len = header[1]! & 0x7f;
  const masked = (header[1]! & 0x80) !== 0;
  return 2 + (len === 126 ? 2 : len === 127 ? 8 : 0) + (masked ? 4 : 0);
}

function payloadLength(header: number[]): number {
  const len = header[1]! & 0x7f;
  if (len < 126) return len;
  if (len === 126) return (header[2]! << 8) | header[3]!;
  let n = 0;
  for (let i = 2; i < 10; i++) n = n * 256 + header[i]!;
  return n;
}
