// The error-code table as plain values, so runtime code (the SDK) can check codes without loading TypeBox.

/**
 * The one error-code table of the system. Connection refusals arrive as `connect_error` with
 * `message === code`; request failures arrive in the ack (or as an `error` event without an ack).
 */
export const ErrorCodes = {
  /** Missing, malformed, forged or expired token where one is required. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** Valid token without the role or identity this namespace or action needs. */
  FORBIDDEN: 'FORBIDDEN',
  /** Too many requests or connections; `retryAfterMs` says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The gateway refuses new non-admin connections during maintenance. */
  MAINTENANCE: 'MAINTENANCE',
  /** The payload does not match the protocol schema. */
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  /** A symbol that is not in the gateway's configured symbol set. */
  UNKNOWN_SYMBOL: 'UNKNOWN_SYMBOL',
  /** A subscription limit would be exceeded; nothing was applied. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** Unknown command, socket or resource. */
  NOT_FOUND: 'NOT_FOUND',
  /** The server failed while handling the request; it was counted and logged. */
  INTERNAL: 'INTERNAL',
  /** The client read too slowly and was disconnected. */
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /** A dependency the request needs (Redis) is unavailable; nothing was done, retry after `retryAfterMs`. */
  UNAVAILABLE: 'UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * Codes a refused connection can carry in `connect_error`: `INVALID_PAYLOAD` for a handshake `auth` outside its
 * schema, `LIMIT_EXCEEDED` over a concurrent-connection cap, `NOT_FOUND` for a namespace the gateway does not serve.
 */
export const ConnectErrorCodes = [
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'MAINTENANCE',
  'INVALID_PAYLOAD',
  'LIMIT_EXCEEDED',
  'NOT_FOUND',
] as const;
export type ConnectErrorCode = (typeof ConnectErrorCodes)[number];

/** Codes a request's ack can carry. */
export const RequestErrorCodes = [
  'INVALID_PAYLOAD',
  'UNKNOWN_SYMBOL',
  'LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INTERNAL',
] as const;
export type RequestErrorCode = (typeof RequestErrorCodes)[number];

// Every key of the table is its own value, so membership is a key lookup (and no code runs at import).
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCodes, value);
}
