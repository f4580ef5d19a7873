import type { MetricsSnapshot, NamespaceName } from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { WsError } from './ws-error.js';

/** Socket.IO namespace middleware. */
export type NamespaceMiddleware = (socket: Socket, next: (err?: Error) => void) => void;

/** What the server needs from the auth component (implemented by `AuthMiddleware`). */
export interface AuthComponent {
  middleware(namespace: NamespaceName): NamespaceMiddleware;
  watch(socket: Socket): void;
  refresh(socket: Socket, token: string): Promise<{ expiresAt: number }>;
  close(): void;
}

/** A rate limiter's answer to one charge. */
export type RateLimitVerdict = { ok: true } | { ok: false; retryAfterMs: number; disconnect: boolean };

/** What the server needs from the rate limiter (implemented by `RateLimitMiddleware`). */
export interface RateLimitComponent {
  /** Charges `points` (default 1) to the connection's inbound budget. */
  consume(socket: Socket, points?: number): Promise<RateLimitVerdict>;
  /**
   * `consume` answered synchronously when the limiter can (its store is in memory); undefined, with nothing
   * charged, when only `consume` can answer. Optional.
   */
  consumeNow?(socket: Socket, points?: number): RateLimitVerdict | undefined;
  handshakeMiddleware(): NamespaceMiddleware;
  /**
   * Charges the per-IP handshake limit for a new Engine.IO connection (its `request`), before any namespace;
   * resolves with the refusal, if any. Optional: without it the first namespace connect is charged.
   */
  chargeHandshake?(ip: string, request: object): Promise<WsError | undefined>;
  /**
   * `chargeHandshake` answered synchronously when the limiter can (its store is in memory): `null` when
   * admitted, the refusal otherwise; undefined, with nothing charged, when only `chargeHandshake` can answer.
   * Optional.
   */
  chargeHandshakeNow?(ip: string, request: object): WsError | null | undefined;
  release(socket: Socket): void;
  /** The client IP as the limiter sees it (honours its proxy setting); optional. */
  clientIp?(socket: Socket): string;
}

/** What the server needs from the metrics component (implemented by `@ws/metrics`' `WebSocketMetrics`). */
export interface MetricsComponent {
  connectionOpened(ns: string): void;
  connectionClosed(ns: string): void;
  connectionRefused(ns: string, code: string): void;
  connectionAttempt(ns: string): void;
  messageIn(ns: string, event: string, bytes: number): void;
  messageOut(ns: string, event: string, bytes: number, recipients?: number): void;
  /** One emit to a room or a namespace and how many of this node's sockets it reached. */
  broadcast(ns: string, event: string, fanout: number): void;
  /**
   * Propagation latency: `recipients` frames of one message were written to their sockets `seconds` after
   * the message entered the platform (publish call or request, or its publish time on another node).
   */
  messageLatency?(ns: string, seconds: number, recipients?: number): void;
  /** One Engine.IO heartbeat round trip: ping queued by the server until the client's pong arrived. */
  observePingRtt?(seconds: number): void;
  /** One message of `ns` came in on the cluster bus, `bytes` long (this node subscribed to its room). */
  busMessageReceived?(ns: string, bytes: number): void;
  /** A held broadcast was superseded by a newer one of its room (overload conflation). */
  messageConflated?(ns: string, event: string): void;
  error(code: string, ns?: string): void;
  rateLimited(ns: string): void;
  setSubscriptions(ns: string, count: number): void;
  setRedisStatus(up: boolean): void;
  eventLoopLagMs(): number;
  /** Totals by code and of conflated broadcasts, for `admin.stats` (absent: not reported). */
  counters?(): { errorsByCode: Record<string, number>; refusalsByCode: Record<string, number>; conflated: number };
  getMetrics(): MetricsSnapshot;
  exportPrometheusMetrics(): Promise<string>;
  readonly contentType: string;
  close(): void;
}
