/** Levels per side that enter the order-book checksum. */
export const CHECKSUM_DEPTH = 25;

const table = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

const utf8 = /* @__PURE__ */ new TextEncoder();

/**
 * CRC-32 (IEEE 802.3, as zlib computes it) of the UTF-8 bytes of `input`, unsigned. No Node built-ins, so
 * it runs in browsers. TextEncoder encodes a lone surrogate as U+FFFD, as zlib.crc32 does.
 */
export function crc32(input: string): number {
  let crc = 0xffffffff;
  const bytes = utf8.encode(input);
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export type BookLevel = readonly [price: string, quantity: string];

/**
 * The string the depth checksum is computed over: top `depth` levels of each side, best first,
 * `bid1Price:bid1Qty:ask1Price:ask1Qty:bid2Price:…`, continuing with the longer side alone.
 */
export function bookChecksumString(
  bids: readonly BookLevel[],
  asks: readonly BookLevel[],
  depth = CHECKSUM_DEPTH,
): string {
  const parts: string[] = [];
  const n = Math.max(Math.min(bids.length, depth), Math.min(asks.length, depth));
  for (let i = 0; i < n; i++) {
    const bid = i < depth ? bids[i] : undefined;
    const ask = i < depth ? asks[i] : undefined;
    if (bid) parts.push(bid[0], bid[1]);
    if (ask) parts.push(ask[0], ask[1]);
  }
  return parts.join(':');
}

/** CRC-32 of the book's top levels; `bids` best (highest) first, `asks` best (lowest) first. */
export function bookChecksum(bids: readonly BookLevel[], asks: readonly BookLevel[], depth = CHECKSUM_DEPTH): number {
  return crc32(bookChecksumString(bids, asks, depth));
}
