import { randomBytes } from 'node:crypto';
import { Decoder, Encoder } from 'socket.io-parser';

/**
 * A payload serialised once and sent as the same JSON text to every recipient: the order-book snapshot of
 * one book version, which thousands of `market.snapshot` requests would otherwise each copy and encode.
 * Pass it wherever a payload goes (an ack result, `socket.emit`); `PreEncodedJsonEncoder` splices the text
 * in unchanged, so receivers see ordinary JSON.
 */
export class PreEncodedJson<T extends object = object> {
  /** The JSON text, encoded once. */
  readonly json: string;
  /** UTF-8 length of `json`, for byte accounting without re-encoding. */
  readonly bytes: number;

  constructor(value: T) {
    this.json = JSON.stringify(value);
    this.bytes = Buffer.byteLength(this.json);
    // Not enumerable: Socket.IO's binary scan and any JSON.stringify see only the marker, never the value.
    Object.defineProperty(this, 'value', { value, enumerable: false });
  }

  /** The value it was built from (shared: never mutate it). */
  get data(): T {
    return (this as unknown as { value: T }).value;
  }
  // No toJSON: JSON.stringify would call it before any replacer and re-encode the whole value.
}

export function isPreEncodedJson(value: unknown): value is PreEncodedJson {
  return value instanceof PreEncodedJson;
}

/** How deep `isPlainJson` looks for values a replacer must see before a caller takes the plain path. */
export const PLAIN_DEPTH = 4;

/**
 * True when `value` is JSON that `JSON.stringify` encodes as is: no pre-encoded payload, no binary, no
 * `toJSON`, within `depth` levels. A replacer function takes V8 off its fast serializer for every key, so
 * the small objects of every ack, event and broadcast (most of them) are encoded and measured without one.
 */
export function isPlainJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (depth === 0 || value instanceof PreEncodedJson || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return false;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    for (const v of value) if (!isPlainJson(v, depth - 1)) return false;
    return true;
  }
  for (const key in value) if (!isPlainJson((value as Record<string, unknown>)[key], depth - 1)) return false;
  return true;
}

// A per-process secret in the placeholder, so no string a client or publisher sends can be mistaken for one.
const MARK = `\u0000${randomBytes(12).toString('hex')}:`;
const MARK_IN_JSON = new RegExp(`"\\\\u0000${MARK.slice(1)}(\\d+)"`, 'g');

/**
 * socket.io-parser's encoder, plus `PreEncodedJson`: each one is stringified as a placeholder and then
 * replaced by its cached text, so a snapshot costs a string splice per recipient instead of a walk and
 * stringify of every level.
 */
export class PreEncodedJsonEncoder {
  #found: PreEncodedJson[] = [];
  readonly #inner = new Encoder((_key: string, value: unknown) => {
    if (value instanceof PreEncodedJson) {
      this.#found.push(value);
      return `${MARK}${this.#found.length - 1}`;
    }
    return value;
  });

  readonly #plain = new Encoder();

  encode(packet: Parameters<Encoder['encode']>[0]): ReturnType<Encoder['encode']> {
    // Most packets hold no pre-encoded payload: the same text from V8's fast serializer, no replacer per key.
    if (isPlainJson(packet.data, PLAIN_DEPTH)) return this.#plain.encode(packet);
    this.#found = [];
    const out = this.#inner.encode(packet);
    const found = this.#found;
    this.#found = [];
    if (found.length === 0) return out;
    // JSON.stringify escapes U+0000 as \u0000, so the placeholder is a JSON string of its own.
    return out.map((part: unknown) =>
      typeof part === 'string' ? part.replace(MARK_IN_JSON, (m, n: string) => found[Number(n)]?.json ?? m) : part,
    ) as ReturnType<Encoder['encode']>;
  }
}

/** The Socket.IO `parser` option: socket.io-parser's decoder and the pre-encoding encoder. */
export const preEncodingParser = { Encoder: PreEncodedJsonEncoder, Decoder };
