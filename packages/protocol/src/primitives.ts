import Type from 'typebox';
import { DECIMAL_PATTERN, isDecimalNumber, MAX_DECIMAL_LENGTH } from './decimal.js';

/** Upper bound for any free-text field that enters the system. */
export const MAX_TEXT = 1000;
/** Hard bound on `symbols`/`channels` arrays, above every configurable limit (which answers LIMIT_EXCEEDED). */
export const MAX_LIST_ITEMS = 1000;
/** Hard bound on depth levels per side in one message. */
export const MAX_DEPTH_LEVELS = 5000;

export const SYMBOL_PATTERN = '^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}$';
export const USER_ID_PATTERN = '^[A-Za-z0-9_.:@|-]{1,128}$';

/** `BASE/QUOTE`, upper case: `BTC/USDT`. */
export const MarketSymbol = Type.String({
  pattern: SYMBOL_PATTERN,
  maxLength: 41,
  description: 'BASE/QUOTE, upper case',
});
export type MarketSymbol = string;

/** Decimal string on the wire ("50000.12"): exact, as exchanges send it. */
export const Decimal = Type.String({
  pattern: DECIMAL_PATTERN,
  maxLength: MAX_DECIMAL_LENGTH,
  'x-decimal': true,
  description: 'Decimal number as a string',
});
export type Decimal = string;

/** What publishers may pass for a decimal: a string or a finite number; normalised to a string. */
export const DecimalInput = Type.Union([Decimal, decimalNumber({})]);
export type DecimalInput = string | number;

/**
 * A number a publisher passes for a decimal. Checked by the same conversion that normalises it, so a finite
 * number without a plain form of at most 64 characters (`1e300`, `1e64`, `5e-324`) is a validation issue at
 * its JSON pointer, never a failure after validation.
 */
function decimalNumber(options: { minimum?: number; exclusiveMinimum?: number }) {
  return Type.Refine(
    Type.Number({
      ...options,
      'x-decimal': true,
      description: `a finite number whose plain decimal form has at most ${MAX_DECIMAL_LENGTH} characters`,
    }),
    (value: number) => isDecimalNumber(value),
    () => `must have a plain decimal form of at most ${MAX_DECIMAL_LENGTH} characters`,
  );
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
