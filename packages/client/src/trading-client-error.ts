import type { ErrorCode, ValidationIssue } from '@ws/protocol';
import { isErrorCode } from '@ws/protocol/runtime';

/** Codes the client raises itself, in addition to the protocol's `ErrorCodes`. */
export const ClientErrorCodes = {
  /** No ack (or no connection) within the `timeout` option. */
  TIMEOUT: 'TIMEOUT',
  /** The connection dropped before the request was answered. */
  DISCONNECTED: 'DISCONNECTED',
  /** `close()` was called; the client is unusable. */
  CLOSED: 'CLOSED',
  /** An application listener threw; the error is in `cause`. */
  LISTENER_ERROR: 'LISTENER_ERROR',
} as const;
export type ClientErrorCode = (typeof ClientErrorCodes)[keyof typeof ClientErrorCodes];

export type TradingClientErrorCode = ErrorCode | ClientErrorCode;

export interface TradingClientErrorOptions {
  /** With RATE_LIMITED: when the server will accept the request again. */
  retryAfterMs?: number | undefined;
  /** With INVALID_PAYLOAD: which fields were wrong. */
  details?: ValidationIssue[] | undefined;
  /** The namespace the failure happened on. */
  namespace?: string | undefined;
  /** The request event that failed. */
  event?: string | undefined;
  cause?: unknown;
}

/** The one error type of the SDK: every rejected promise and every `error` event carries one. */
export class TradingClientError extends Error {
  override readonly name = 'TradingClientError';
  readonly code: TradingClientErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly details: ValidationIssue[] | undefined;
  readonly namespace: string | undefined;
  readonly event: string | undefined;

  constructor(code: TradingClientErrorCode, message: string, options: TradingClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
    this.namespace = options.namespace;
    this.event = options.event;
  }

  /** From a server error payload (ack error, `error` event, `connect_error.data`); unknown codes become INTERNAL. */
  static fromPayload(payload: unknown, context: { namespace?: string; event?: string } = {}): TradingClientError {
    const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
    const code = isErrorCode(p.code) ? p.code : 'INTERNAL';
    const message = typeof p.message === 'string' ? p.message : `server error ${String(p.code ?? '')}`.trim();
    return new TradingClientError(code, message, {
      retryAfterMs: typeof p.retryAfterMs === 'number' ? p.retryAfterMs : undefined,
      details: Array.isArray(p.details) ? (p.details as ValidationIssue[]) : undefined,
      ...context,
    });
  }
}

/** True for a `TradingClientError` (also across bundle copies), optionally of the given code. */
export function isTradingClientError(value: unknown, code?: TradingClientErrorCode): value is TradingClientError {
  const ok =
    value instanceof TradingClientError ||
    (value instanceof Error &&
      value.name === 'TradingClientError' &&
      typeof (value as { code?: unknown }).code === 'string');
  return ok && (code === undefined || (value as TradingClientError).code === code);
}
