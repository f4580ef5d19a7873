import Type, { type Static } from 'typebox';
import { AckOkSchema } from '../errors.js';
import { Id, Role, Text, Timestamp } from '../primitives.js';
import { UserRecoverySince } from './user.js';

const closed = { additionalProperties: false } as const;

/** Sent on every accepted connection. */
export const ConnectionAuthenticated = Type.Object({
  namespace: Type.String(),
  sessionId: Type.String(),
  userId: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Role, Type.Null()]),
  serverTime: Timestamp,
  /** On `/user` when the handshake sent `auth.since`: true when every missed event was replayed, false when some were gone. */
  recovered: Type.Optional(Type.Boolean()),
  /**
   * On `/user`: per private stream, the seq this connection's stream continues after (every later event
   * comes, replayed or live). Keep it as the stream's last seq, so a reconnect can ask for what it missed
   * even before the first event arrived.
   */
  streams: Type.Optional(UserRecoverySince),
});
export type ConnectionAuthenticated = Static<typeof ConnectionAuthenticated>;

export const SystemMessageType = Type.Union([
  Type.Literal('info'),
  Type.Literal('warning'),
  Type.Literal('critical'),
  Type.Literal('maintenance'),
  Type.Literal('reconnect'),
]);
export type SystemMessageType = Static<typeof SystemMessageType>;

/** May arrive on any namespace. */
export const SystemMessage = Type.Object({
  type: SystemMessageType,
  message: Text,
  timestamp: Timestamp,
  /** With `reconnect`: how long to wait before reconnecting, so a drained node's clients do not stampede. */
  reconnectAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type SystemMessage = Static<typeof SystemMessage>;

/** What publishers pass: the timestamp is stamped when missing. */
export const SystemMessageInput = Type.Object(
  {
    type: SystemMessageType,
    message: Type.String({ minLength: 1, maxLength: 1000 }),
    timestamp: Type.Optional(Timestamp),
    reconnectAfterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
  },
  closed,
);
export type SystemMessageInput = Static<typeof SystemMessageInput>;

export const SubscriptionConfirmed = Type.Object({
  namespace: Type.String(),
  channels: Type.Array(Type.String()),
});
export type SubscriptionConfirmed = Static<typeof SubscriptionConfirmed>;

/** The `error` event: a failed request sent without an ack callback. */
export const ErrorEvent = Type.Object({
  code: Type.String(),
  message: Type.String(),
  retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
  /** The event whose request failed. */
  event: Type.Optional(Type.String()),
});
export type ErrorEvent = Static<typeof ErrorEvent>;

/** C→S `ping`; the payload is optional and may be `{}`. */
export const PingRequest = Type.Object({ clientTime: Type.Optional(Timestamp) }, closed);
export type PingRequest = Static<typeof PingRequest>;
export const PingResult = AckOkSchema({ serverTime: Timestamp, clientTime: Type.Optional(Timestamp) });
export type PingResult = { serverTime: number; clientTime?: number };

/**
 * The handshake `auth` object of every namespace, closed: the token (else an `Authorization: Bearer` header is
 * read) and, on `/user`, `since` for replay. Anything else is refused with `INVALID_PAYLOAD`, so no client can
 * pin data to its connection.
 */
export const HandshakeAuth = Type.Object(
  {
    token: Type.Optional(Type.Union([Type.String({ maxLength: 8192 }), Type.Null()])),
    since: Type.Optional(UserRecoverySince),
  },
  closed,
);
export type HandshakeAuth = Static<typeof HandshakeAuth>;

/** C→S `auth.refresh`: a later token for the same user, so the socket outlives the first token's expiry. */
export const AuthRefreshRequest = Type.Object({ token: Type.String({ minLength: 1, maxLength: 8192 }) }, closed);
export type AuthRefreshRequest = Static<typeof AuthRefreshRequest>;
export const AuthRefreshResult = AckOkSchema({ expiresAt: Timestamp });
export type AuthRefreshResult = { expiresAt: number };

export const SessionId = Id;
