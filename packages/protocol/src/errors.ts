import Type, { type Static } from 'typebox';
import { type ConnectErrorCode, type ErrorCode, ErrorCodes } from './error-codes.js';

export {
  type ConnectErrorCode,
  ConnectErrorCodes,
  type ErrorCode,
  ErrorCodes,
  isErrorCode,
  type RequestErrorCode,
  RequestErrorCodes,
} from './error-codes.js';

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
  Type.Literal(ErrorCodes.UNAVAILABLE),
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
