import type { AckError, ErrorCode, ValidationIssue, WsErrorPayload } from '@ws/protocol';

/** The server's one error type: a protocol error code plus a message safe to show to the client. */
export class WsError extends Error {
  override readonly name = 'WsError';
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly details: ValidationIssue[] | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryAfterMs?: number; details?: ValidationIssue[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }

  /** The `{ code, message, retryAfterMs? }` object of acks, `error` events and `connect_error.data`. */
  toPayload(): WsErrorPayload {
    const payload: WsErrorPayload = { code: this.code, message: this.message };
    if (this.retryAfterMs !== undefined) payload.retryAfterMs = this.retryAfterMs;
    if (this.details !== undefined) payload.details = this.details;
    return payload;
  }

  toAck(): AckError {
    return { ok: false, error: this.toPayload() };
  }

  /**
   * Socket.IO turns an Error passed to a middleware's `next()` into `connect_error`:
   * its `message` is the code and its `data` is `{ code, message }`.
   */
  toConnectError(): Error & { data: WsErrorPayload } {
    const err = new Error(this.code) as Error & { data: WsErrorPayload };
    err.data = this.toPayload();
    return err;
  }
}

export function isWsError(value: unknown): value is WsError {
  return value instanceof WsError;
}
