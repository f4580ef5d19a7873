import Type from 'typebox';

/** Upper bound for any free-text field that enters the system. */
export const MAX_TEXT = 1000;
/** Hard bound on `symbols`/`channels` arrays, above every configurable limit (which answers LIMIT_EXCEEDED). */
export const MAX_LIST_ITEMS = 1000;
/** Hard bound on depth levels per side in one message. */
export const MAX_DEPTH_LEVELS = 5000;

export const SYMBOL_PATTERN = '^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}$';
export const DECIMAL_PATTERN = '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$';
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
  maxLength: 64,
  'x-decimal': true,
  description: 'Decimal number as a string',
});
export type Decimal = string;

/** What publishers may pass for a decimal: a string or a finite number; normalised to a string. */
export const DecimalInput = Type.Union([Decimal, Type.Number({ 'x-decimal': true })]);
export type DecimalInput = string | number;

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
