import { PreEncodedJson } from './pre-encoded-json.js';

/** How deep `estimateBytes` looks for values the replacer must see before it takes the plain path. */
const PLAIN_DEPTH = 4;

/**
 * True when `value` is JSON that `JSON.stringify` encodes as is: no pre-encoded payload, no binary, no
 * `toJSON`, within `depth` levels. A replacer function takes V8 off its fast serializer for every key, so
 * the small objects of every ack and event (most of them) are measured without one.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (depth === 0 || value instanceof PreEncodedJson || isBinary(value)) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    for (const v of value) if (!isPlainJson(v, depth - 1)) return false;
    return true;
  }
  for (const key in value) if (!isPlainJson((value as Record<string, unknown>)[key], depth - 1)) return false;
  return true;
}

/** Approximate wire size of event arguments in bytes (JSON text; binary by its length). */
export function estimateBytes(value: unknown): number {
  if (isBinary(value)) return value.byteLength;
  if (value instanceof PreEncodedJson) return value.bytes;
  try {
    if (isPlainJson(value, PLAIN_DEPTH)) {
      const json = JSON.stringify(value);
      return json === undefined ? 0 : Buffer.byteLength(json);
    }
    // A pre-encoded payload counts its known length: measuring must not re-encode what was encoded once.
    let preEncoded = 0;
    const json = JSON.stringify(value, (_key, v: unknown) => {
      if (v instanceof PreEncodedJson) {
        preEncoded += v.bytes;
        return 0;
      }
      return isBinary(v) ? '' : v;
    });
    return json === undefined ? 0 : Buffer.byteLength(json) + preEncoded;
  } catch {
    return 0;
  }
}

/** True for Buffers, ArrayBuffers and typed arrays: what a Socket.IO binary attachment decodes to. */
export function isBinary(value: unknown): value is ArrayBufferView | ArrayBuffer {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** True when any argument is binary or holds binary one level down (the protocol has no binary fields). */
export function hasBinary(args: readonly unknown[]): boolean {
  for (const arg of args) {
    if (isBinary(arg)) return true;
    if (arg !== null && typeof arg === 'object') {
      for (const v of Object.values(arg as Record<string, unknown>)) if (isBinary(v)) return true;
    }
  }
  return false;
}
