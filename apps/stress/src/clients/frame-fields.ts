/**
 * Cheap field extraction from a JSON text frame, so the load generator is not the bottleneck. Needles are
 * built once (`needle('seq')` is `"seq":`) and only used for keys that occur once in a message.
 */

/** `"key":` — build once, reuse for every frame. */
export function needle(key: string): string {
  return `"${key}":`;
}

/** The non-negative integer starting at `start`, or null. */
export function intAt(text: string, start: number): number | null {
  let n = 0;
  let digits = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits > 0 ? n : null;
}

/**
 * The quoted decimal starting at `start` (its opening quote) as a number, or null. Plain
 * `[-]digits[.digits]` is read in place (within an ulp or two of Number(): far below a µs for a ms
 * stamp), anything else through Number().
 */
export function decimalAt(text: string, start: number): number | null {
  if (text.charCodeAt(start) !== 34) return null;
  let i = start + 1;
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
  const end = text.indexOf('"', start + 1);
  if (end < 0) return null;
  const n = Number(text.slice(start + 1, end));
  return Number.isFinite(n) ? n : null;
}

/** The non-negative integer after the needle, or null. */
export function intField(text: string, key: string): number | null {
  const at = text.lastIndexOf(key);
  return at < 0 ? null : intAt(text, at + key.length);
}

/** The string after the needle and an opening quote, or null (no escapes expected: symbols and decimals). */
export function stringField(text: string, key: string): string | null {
  const at = text.indexOf(key);
  if (at < 0 || text.charCodeAt(at + key.length) !== 34) return null;
  const start = at + key.length + 1;
  const end = text.indexOf('"', start);
  return end < 0 ? null : text.slice(start, end);
}

/** The decimal string after the needle as a number, or null. */
export function decimalField(text: string, key: string): number | null {
  const at = text.lastIndexOf(key);
  return at < 0 ? null : decimalAt(text, at + key.length);
}

/**
 * Finds one key in the frames of one event, cheaply: first where it was in the previous frame, counted
 * from the end (the fields after a key usually keep their width from frame to frame), else by searching
 * for the key's rarest character and checking the key around each hit — a native scan that, unlike
 * `lastIndexOf`, does not stop at every `"`, so proving a key absent (a baseline's missing `seq`) is cheap.
 */
export class KeyFinder {
  /** Distance of the key from the end of the previous frame; 0 when it was not there. */
  private fromEnd = 0;
  private readonly rareChar: string;
  private readonly rareAt: number;

  constructor(readonly key: string) {
    // Characters JSON frames are full of make poor anchors: the later in this list the better, and best
    // one that is not in it at all.
    const common = '"{}[],:.0123456789_etaoinsrhldcumfpgwybvk';
    const rank = (c: string) => {
      const i = common.indexOf(c.toLowerCase());
      return i < 0 ? common.length : i;
    };
    let best = 1;
    for (let i = 2; i < key.length; i++) if (rank(key.charAt(i)) > rank(key.charAt(best))) best = i;
    this.rareAt = best;
    this.rareChar = key.charAt(best);
  }

  /** Index of the key in `text`, or -1. */
  find(text: string): number {
    const hinted = text.length - this.fromEnd;
    if (this.fromEnd > 0 && hinted >= 0 && text.startsWith(this.key, hinted)) return hinted;
    let at = -1;
    for (let hit = text.indexOf(this.rareChar, this.rareAt); hit >= 0; hit = text.indexOf(this.rareChar, hit + 1)) {
      if (text.startsWith(this.key, hit - this.rareAt)) {
        at = hit - this.rareAt;
        break;
      }
    }
    this.fromEnd = at < 0 ? 0 : text.length - at;
    return at;
  }
}
