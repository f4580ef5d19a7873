import { isPlainJson, PLAIN_DEPTH, PreEncodedJson } from './pre-encoded-json.js';

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
