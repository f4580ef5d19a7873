import Type, { type TSchema } from 'typebox';
import {
  DECIMAL_PATTERN,
  isDecimalNumber,
  MAX_DECIMAL_LENGTH,
  NON_NEGATIVE_DECIMAL_PATTERN,
  POSITIVE_DECIMAL_PATTERN,
} from './decimal.js';
import { MAX_TEXT, SYMBOL_PATTERN, USER_ID_PATTERN } from './patterns.js';

export { MAX_DEPTH_LEVELS, MAX_LIST_ITEMS, MAX_TEXT, SYMBOL_PATTERN, USER_ID_PATTERN } from './patterns.js';

/** `BASE/QUOTE`, upper case: `BTC/USDT`. */
export const MarketSymbol = Type.String({
  pattern: SYMBOL_PATTERN,
  maxLength: 41,
  description: 'BASE/QUOTE, upper case',
});
export type MarketSymbol = string;

/**
 * The sign rule of a decimal field, in every schema as `x-decimal-sign`: `positive` (> 0: prices, leverage),
 * `non-negative` (≥ 0: sizes, volumes, quantities, balances; quantity "0" removes a depth level) or
 * `signed` (only what can really be negative: PnL, changes).
 */
export type DecimalSign = 'positive' | 'non-negative' | 'signed';

const decimalRules = {
  positive: { pattern: POSITIVE_DECIMAL_PATTERN, number: { exclusiveMinimum: 0 }, text: 'greater than 0' },
  'non-negative': { pattern: NON_NEGATIVE_DECIMAL_PATTERN, number: { minimum: 0 }, text: 'at least 0' },
  signed: { pattern: DECIMAL_PATTERN, number: {}, text: 'of either sign' },
} as const;

function decimalString(sign: DecimalSign) {
  const rule = decimalRules[sign];
  return Type.String({
    pattern: rule.pattern,
    maxLength: MAX_DECIMAL_LENGTH,
    'x-decimal': true,
    'x-decimal-sign': sign,
    description: `Decimal number ${rule.text}, as a string`,
  });
}

/**
 * A number a publisher passes for a decimal. Checked by the same conversion that normalises it, so a finite
 * number without a plain form of at most 64 characters (`1e300`, `1e64`, `5e-324`) is a validation issue at
 * its JSON pointer, never a failure after validation.
 */
function decimalNumber(sign: DecimalSign) {
  const rule = decimalRules[sign];
  return Type.Refine(
    Type.Number({
      ...rule.number,
      'x-decimal': true,
      'x-decimal-sign': sign,
      description: `a finite number ${rule.text} whose plain decimal form has at most ${MAX_DECIMAL_LENGTH} characters`,
    }),
    (value: number) => isDecimalNumber(value),
    () => `must have a plain decimal form of at most ${MAX_DECIMAL_LENGTH} characters`,
  );
}

/** Decimal string on the wire ("50000.12"), of either sign: exact, as exchanges send it. */
export const Decimal = decimalString('signed');
export type Decimal = string;
/** Decimal string > 0 on the wire: prices, leverage. */
export const PositiveDecimal = decimalString('positive');
/** Decimal string ≥ 0 on the wire: sizes, volumes, quantities, balances. */
export const NonNegativeDecimal = decimalString('non-negative');

/** What publishers may pass for a signed decimal: a string or a finite number; normalised to a string. */
export const DecimalInput = Type.Union([Decimal, decimalNumber('signed')]);
export type DecimalInput = string | number;
/** What publishers may pass for a decimal > 0. */
export const PositiveDecimalInput = Type.Union([PositiveDecimal, decimalNumber('positive')]);
/** What publishers may pass for a decimal ≥ 0. */
export const NonNegativeDecimalInput = Type.Union([NonNegativeDecimal, decimalNumber('non-negative')]);

/** The three decimal rules as schemas, wire and input side, for the payload builders in `events/`. */
export const WireDecimals = { positive: PositiveDecimal, nonNegative: NonNegativeDecimal, signed: Decimal };
export const InputDecimals = {
  positive: PositiveDecimalInput,
  nonNegative: NonNegativeDecimalInput,
  signed: DecimalInput,
};
/** A decimal schema per sign rule; generic per rule so the static types stay exact (string on the wire). */
export interface DecimalSchemas<P extends TSchema = TSchema, N extends TSchema = TSchema, S extends TSchema = TSchema> {
  positive: P;
  nonNegative: N;
  signed: S;
}

/** Epoch milliseconds of the event at its source. */
export const Timestamp = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description: 'epoch ms' });
/** Per-room sequence number: starts at 1 and increases by exactly 1 per message published to the room. */
export const Seq = Type.Integer({ minimum: 0, description: 'per-room sequence number' });

export const UserId = Type.String({ pattern: USER_ID_PATTERN, description: 'user id' });
export const Side = Type.Union([Type.Literal('buy'), Type.Literal('sell')]);
export type Side = 'buy' | 'sell';

export const Role = Type.Union([Type.Literal('user'), Type.Literal('admin'), Type.Literal('service')]);
export type Role = 'user' | 'admin' | 'service';

export const Text = Type.String({ maxLength: MAX_TEXT });
export const Id = Type.String({ minLength: 1, maxLength: 128 });
