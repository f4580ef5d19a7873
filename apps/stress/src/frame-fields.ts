/**
 * Cheap field extraction from a JSON text frame, so the load generator is not the bottleneck. Needles are
 * built once (`needle('seq')` is `"seq":`); searches run from the end, where the stream fields sit.
 */

/** `"key":` — build once, reuse for every frame. */
export function needle(key: string): string {
  return `"${key}":`;
}

/** The non-negative integer after the needle, or null. Only for keys that occur once in the message. */
export function intField(text: string, key: string): number | null {
  const at = text.lastIndexOf(key);
  if (at < 0) return null;
  let n = 0;
  let digits = 0;
  for (let i = at + key.length; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits > 0 ? n : null;
}

/** The string after the needle and an opening quote, or null (no escapes expected: symbols and decimals). */
export function stringField(text: string, key: string): string | null {
  const at = text.indexOf(key);
  if (at < 0 || text.charCodeAt(at + key.length) !== 34) return null;
  const start = at + key.length + 1;
  const end = text.indexOf('"', start);
  return end < 0 ? null : text.slice(start, end);
}

/**
 * The decimal string after the needle as a number, or null. Plain `[-]digits[.digits]` is read in place
 * (within an ulp or two of Number(): far below a µs for a ms stamp), anything else through Number().
 */
export function decimalField(text: string, key: string): number | null {
  const at = text.lastIndexOf(key);
  if (at < 0 || text.charCodeAt(at + key.length) !== 34) return null;
  const start = at + key.length + 1;
  let i = start;
  const negative = text.charCodeAt(i) === 45; /* - */
  if (negative) i++;
  let whole = 0;
  let digits = 0;
  let c = text.charCodeAt(i);
  while (c >= 48 && c <= 57) {
    whole = whole * 10 + (c - 48);
    digits++;
    c = text.charCodeAt(++i);
  }
  let fraction = 0;
  let scale = 1;
  if (c === 46 /* . */) {
    c = text.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      fraction = fraction * 10 + (c - 48);
      scale *= 10;
      c = text.charCodeAt(++i);
    }
  }
  // Up to 15 integer digits and 9 decimals are read exactly; one division and one addition from there.
  if (c === 34 && digits > 0 && digits <= 15 && scale <= 1e9) {
    const n = whole + fraction / scale;
    return negative ? -n : n;
  }
  const end = text.indexOf('"', start);
  if (end < 0) return null;
  const n = Number(text.slice(start, end));
  return Number.isFinite(n) ? n : null;
}
