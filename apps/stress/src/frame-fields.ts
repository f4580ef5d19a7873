/** Cheap field extraction from a JSON text frame, so the load generator is not the bottleneck. */

/** The integer after `"key":`, or null. Only for keys that occur once in the message. */
export function intField(text: string, key: string): number | null {
  const at = text.indexOf(`"${key}":`);
  if (at < 0) return null;
  let i = at + key.length + 3;
  let n = 0;
  let digits = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits > 0 ? n : null;
}

/** The string after `"key":"`, or null (no escapes expected: symbols and decimals). */
export function stringField(text: string, key: string): string | null {
  const at = text.indexOf(`"${key}":"`);
  if (at < 0) return null;
  const start = at + key.length + 4;
  const end = text.indexOf('"', start);
  return end < 0 ? null : text.slice(start, end);
}

/** The decimal string after `"key":"` as a number, or null. */
export function decimalField(text: string, key: string): number | null {
  const s = stringField(text, key);
  if (s === null) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}
