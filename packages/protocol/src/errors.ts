import Type, { type Static } from 'typebox';

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
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Codes a refused connection can carry in `connect_error`. */
export const ConnectErrorCodes = ['UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED', 'MAINTENANCE'] as const;
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

const allCodes = Object.values(ErrorCodes);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (allCodes as readonly string[]).includes(value);
}

// Spelled out (not `.map`) so the static type is the code union rather than `never`; a type test pins it to ErrorCode.
export const ErrorCodeSchema = Type.Union([
  Type.Literal(ErrorCodes.UNAUTHORIZED),
  Type.Literal(ErrorCodes.FORBIDDEN),
  Type.Literal(ErrorCodes.RATE_LIMITED),
  Type.Literal(ErrorCodes.MAINTENANCE),
  Type.Literal(ErrorCodes.INVALID_PAYLOAD),
  Type.Literal(ErrorCodes.UNKNOWN_SYMBOL),
  Type.Literal(ErrorCodes.LIMIT_EXCEEDED),
  Type.Literal(ErrorCodes.NOT_FOUND),
  Type.Literal(ErrorCodes.INTERNAL),
  Type.Literal(ErrorCodes.SLOW_CONSUMER),
]);

/** The error object of a failed ack, of the `error` event and of `connect_error.data`. */
export const WsErrorPayload = Type.Object(
  {
    code: ErrorCodeSchema,
    message: Type.String({ maxLength: 1000 }),
    retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
    details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export interface WsErrorPayload {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
  details?: { path: string; message: string }[];
}

/** `connect_error.data` of a refused connection. */
export type ConnectErrorData = WsErrorPayload & { code: ConnectErrorCode };

export const AckError = Type.Object(
  { ok: Type.Literal(false), error: WsErrorPayload },
  { additionalProperties: false },
);
export type AckError = { ok: false; error: WsErrorPayload };

/** Every acknowledgement is `{ ok: true, ...result }` or `{ ok: false, error }`. */
export type Ack<TResult extends object = Record<never, never>> = ({ ok: true } & TResult) | AckError;
export type AckCallback<TResult extends object = Record<never, never>> = (response: Ack<TResult>) => void;

/** Schema of a successful ack with the given result properties. */
export function AckOkSchema<T extends Type.TProperties>(result: T) {
  return Type.Object({ ok: Type.Literal(true), ...result });
}

export type AckStatic<T extends Type.TSchema> = Static<T>;
