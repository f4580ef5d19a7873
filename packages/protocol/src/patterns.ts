// The wire's bounds and patterns as plain values: the schemas (primitives.ts) and the schema-free
// runtime helpers (rooms) share them, so neither can drift from the other. Decimal patterns live in decimal.ts.

/** Upper bound for any free-text field that enters the system. */
export const MAX_TEXT = 1000;
/** Hard bound on `symbols`/`channels` arrays, above every configurable limit (which answers LIMIT_EXCEEDED). */
export const MAX_LIST_ITEMS = 1000;
/** Hard bound on depth levels per side in one message. */
export const MAX_DEPTH_LEVELS = 5000;

export const SYMBOL_PATTERN = '^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}$';
export const USER_ID_PATTERN = '^[A-Za-z0-9_.:@|-]{1,128}$';
