/** A decimal string on the wire: optional minus, no leading zeros, no exponent. */
export const DECIMAL_PATTERN = '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$';
/** A decimal string ≥ 0: `DECIMAL_PATTERN` without the minus. */
export const NON_NEGATIVE_DECIMAL_PATTERN = '^(0|[1-9][0-9]*)(\\.[0-9]+)?$';
/** A decimal string > 0: a non-zero integer part, or `0.` followed by at least one non-zero digit. */
export const POSITIVE_DECIMAL_PATTERN = '^([1-9][0-9]*(\\.[0-9]+)?|0\\.[0-9]*[1-9][0-9]*)$';
/** Longest decimal string on the wire. */
export const MAX_DECIMAL_LENGTH = 64;

// Pure: a bundler may drop it when unused, also inside a lazily loaded (wrapped) module.
const decimalRe = /* @__PURE__ */ new RegExp(DECIMAL_PATTERN);
const looseDecimalRe = /^([+-])?(\d+)(?:\.(\d*))?$/;

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_DECIMAL_LENGTH && decimalRe.test(value);
}

/**
 * Canonical decimal string: no exponent, no leading zeros, no trailing fractional zeros, no "-0".
 * Canonical strings make order-book keys and checksums exact ("50000.10" and 50000.1 are one level).
 * Throws a TypeError for non-finite numbers, non-decimal strings and values whose plain form is longer
 * than the wire allows (`1e300`, `5e-324`); `tryDecimalString` answers `undefined` for them instead.
 */
export function toDecimalString(value: string | number): string {
  const result = tryDecimalString(value);
  if (result === undefined) {
    throw new TypeError(`not a decimal of at most ${MAX_DECIMAL_LENGTH} characters: ${preview(value)}`);
  }
  return result;
}

/**
 * The canonical decimal string of `value`, or `undefined` when it has none the wire accepts: not finite,
 * not a decimal, or a plain form longer than 64 characters. The one conversion every schema check and
 * normaliser uses, so "valid" and "convertible" cannot disagree.
 */
export function tryDecimalString(value: string | number): string | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = numberToPlain(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else return undefined;
  // A plain form this long cannot shrink to 64 characters (only trailing fractional zeros are dropped).
  if (text.length > MAX_DECIMAL_LENGTH * 2) return undefined;
  const m = looseDecimalRe.exec(text);
  if (!m) return undefined;
  const sign = m[1] === '-' ? '-' : '';
  const int = m[2]!.replace(/^0+(?=\d)/, '');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const out = frac ? `${int}.${frac}` : int;
  const result = out === '0' ? '0' : sign + out;
  return result.length > MAX_DECIMAL_LENGTH ? undefined : result;
}

/** True for a finite number whose canonical decimal string fits the wire (`1e300` and `5e-324` do not). */
export function isDecimalNumber(value: unknown): value is number {
  return typeof value === 'number' && tryDecimalString(value) !== undefined;
}

function preview(value: unknown): string {
  return JSON.stringify(String(value)).slice(0, 80);
}

function numberToPlain(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // Expand exponent notation exactly from the shortest round-trip representation.
  const [mantissa = '0', expPart = '0'] = s.toLowerCase().split('e');
  const exp = Number(expPart);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '');
  const [intPart = '0', fracPart = ''] = digits.split('.');
  const all = intPart + fracPart;
  const point = intPart.length + exp;
  let plain: string;
  if (point <= 0) plain = `0.${'0'.repeat(-point)}${all}`;
  else if (point >= all.length) plain = all + '0'.repeat(point - all.length);
  else plain = `${all.slice(0, point)}.${all.slice(point)}`;
  return (negative ? '-' : '') + plain;
}

/** Compares two canonical or plain decimal strings numerically without losing precision. */
export function compareDecimal(a: string, b: string): number {
  const na = a.startsWith('-');
  const nb = b.startsWith('-');
  if (na !== nb) {
    if (isZeroDecimal(a) && isZeroDecimal(b)) return 0;
    return na ? -1 : 1;
  }
  const abs = compareAbs(na ? a.slice(1) : a, nb ? b.slice(1) : b);
  return na ? -abs : abs;
}

function compareAbs(a: string, b: string): number {
  const [ai = '0', af = ''] = a.split('.');
  const [bi = '0', bf = ''] = b.split('.');
  const aInt = ai.replace(/^0+(?=\d)/, '');
  const bInt = bi.replace(/^0+(?=\d)/, '');
  if (aInt.length !== bInt.length) return aInt.length < bInt.length ? -1 : 1;
  if (aInt !== bInt) return aInt < bInt ? -1 : 1;
  const len = Math.max(af.length, bf.length);
  const aF = af.padEnd(len, '0');
  const bF = bf.padEnd(len, '0');
  return aF === bF ? 0 : aF < bF ? -1 : 1;
}

/** True for a decimal string whose value is zero ("0", "0.000"). */
export function isZeroDecimal(value: string): boolean {
  return /^-?(0+(\.0*)?|\.0+)$/.test(value);
}
