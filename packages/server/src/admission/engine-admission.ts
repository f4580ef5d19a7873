import type { IncomingMessage } from 'node:http';
import { NO_NAMESPACE } from '@ws/metrics';
import type { MetricsComponent, NamespaceMiddleware, RateLimitComponent } from '../component-contracts.js';
import { WsError } from '../ws-error.js';
import { clientIp } from './client-ip.js';
import type { ConnectionCounter } from './connection-counter.js';
import { originAllowed } from './origin-policy.js';
import type { Refusal, RefusalLog } from './refusal-log.js';

/** Concurrent-connection caps; `0` turns one off. */
export interface ConnectionCaps {
  /** Engine.IO connections (one per client, whatever namespaces it multiplexes) per client IP, cluster-wide. */
  maxPerIp: number;
  /** Engine.IO connections per authenticated user, cluster-wide. */
  maxPerUser: number;
}

/** The Engine.IO connection a Socket.IO socket rides on; only what admission uses. */
export interface EngineConnection {
  readonly request: IncomingMessage;
  readonly remoteAddress: string;
  close(): void;
  once(event: 'close', listener: () => void): unknown;
}

export interface EngineAdmissionDeps {
  corsOrigins: readonly string[] | '*';
  trustProxy: boolean;
  caps: ConnectionCaps;
  counter: ConnectionCounter;
  rateLimit: RateLimitComponent | undefined;
  refusals: RefusalLog;
  metrics: MetricsComponent;
  closing(): boolean;
  /** How long a connection refused at its request may stay open to hear why on a namespace connect (ms). */
  refusedGraceMs?: number;
}

/** What the request stage decided, kept until the Engine.IO connection exists. */
interface RequestVerdict {
  ip: string;
  refusal: WsError | undefined;
}

/** One Engine.IO connection's admission: its IP slot and the user slots its namespaces took. */
interface ConnectionState {
  readonly ip: string;
  /** Resolves with the refusal decided for the whole connection (rate limit, IP cap), or undefined. */
  verdict: Promise<WsError | undefined>;
  holdsIp: boolean;
  /**
   * Users holding a slot through this connection: the one user (almost every connection) or, once a second
   * one authenticates on another namespace, a set. No collection per connection for the common case.
   */
  users: string | Set<string> | undefined;
  /** Slots being acquired, by user; dropped once none is pending. */
  pendingUsers: Map<string, Promise<boolean>> | undefined;
  closed: boolean;
}

const ADMITTED: Promise<WsError | undefined> = Promise.resolve(undefined);

const holds = (users: ConnectionState['users'], userId: string) =>
  users === userId || (typeof users === 'object' && users.has(userId));

function withUser(users: ConnectionState['users'], userId: string): ConnectionState['users'] {
  if (users === undefined || users === userId) return userId;
  if (typeof users === 'string') return new Set([users, userId]);
  return users.add(userId);
}

/** Connect errors decided for the whole connection: counted and logged once, at the request, not per namespace. */
const decidedAtRequest = new WeakSet<Error>();

/**
 * Admission that no namespace can skip, run at the Engine.IO request (`allowRequest`) before the client names
 * a namespace: a browser `Origin` outside the allowed list is refused there with 403, and the per-IP handshake
 * rate limit and concurrent-connection cap are decided there. Those two answer on the client's first namespace
 * connect with a typed `connect_error` (`RATE_LIMITED` with `retryAfterMs`, `LIMIT_EXCEEDED`), then the
 * connection is closed; one that never sends a connect is closed after a short grace.
 */
export class EngineAdmission {
  readonly #deps: EngineAdmissionDeps;
  readonly #requests = new WeakMap<IncomingMessage, RequestVerdict>();
  readonly #states = new WeakMap<EngineConnection, ConnectionState>();
  /** One close listener for every connection (called with the connection as `this`), not a closure each. */
  readonly #onClose: (this: EngineConnection) => void;

  constructor(deps: EngineAdmissionDeps) {
    this.#deps = deps;
    const states = this.#states;
    const release = (state: ConnectionState) => this.#release(state);
    this.#onClose = function (this: EngineConnection) {
      const state = states.get(this);
      if (state) release(state);
    };
  }

  /** Engine.IO's `allowRequest`: called once per new connection (handshake), never for its later requests. */
  readonly allowRequest = (req: IncomingMessage, callback: (err: string | null | undefined, ok: boolean) => void) => {
    const deps = this.#deps;
    if (deps.closing()) return callback('server is shutting down', false);
    const ip = clientIp(req.socket.remoteAddress, req.headers, deps.trustProxy);
    const origin = req.headers.origin;
    if (!originAllowed(origin, deps.corsOrigins)) {
      this.#refused({
        code: 'FORBIDDEN',
        namespace: null,
        ip,
        userId: null,
        reason: 'origin not allowed',
        origin: String(origin).slice(0, 200),
      });
      return callback('origin not allowed', false);
    }
    const decide = (refusal: WsError | undefined) => {
      if (refusal) this.#refused({ code: refusal.code, namespace: null, ip, userId: null, reason: refusal.message });
      this.#requests.set(req, { ip, refusal });
      callback(null, true);
    };
    // A limiter in memory answers at once: no promise chain and no extra turn per handshake of a storm.
    const now = deps.rateLimit?.chargeHandshakeNow?.(ip, req);
    if (now !== undefined) return decide(now ?? undefined);
    const charge = deps.rateLimit?.chargeHandshake?.(ip, req) ?? Promise.resolve(undefined);
    charge
      .catch(() => undefined)
      .then(decide)
      .catch(() => undefined);
  };

  /** Tracks every Engine.IO connection from its start, so its IP slot is taken before any namespace connect. */
  attach(engine: { on(event: 'connection', listener: (conn: EngineConnection) => void): unknown }): void {
    engine.on('connection', (conn) => this.#stateOf(conn));
  }

  /** The client IP of a socket's connection, as the caps and the handshake limit count it. */
  ipOf(socket: { conn: unknown; handshake: { address: string } }): string {
    const conn = socket.conn as EngineConnection | undefined;
    return conn?.request ? this.#stateOf(conn).ip : socket.handshake.address;
  }

  /** True for a connect error already counted and logged when the connection's request was refused. */
  static decidedAtRequest(err: Error): boolean {
    return decidedAtRequest.has(err);
  }

  /** First step of every namespace: the connection's own verdict; a refused connection is closed once told. */
  gate(): NamespaceMiddleware {
    return (socket, next) => {
      const conn = socket.conn as unknown as EngineConnection;
      const verdict = this.#stateOf(conn).verdict;
      // Admitted at the request with no cap to wait for (the usual case): no extra turn per connect.
      if (verdict === ADMITTED) return next();
      verdict
        .then((refusal) => {
          if (refusal === undefined) return next();
          const err = refusal.toConnectError();
          decidedAtRequest.add(err);
          next(err);
          // After Socket.IO queued the CONNECT_ERROR (next tick); close() waits for the write buffer to drain.
          setImmediate(() => conn.close());
        })
        .catch(() => undefined);
    };
  }

  /** After auth: the user's concurrent-connection cap (one slot per connection, whatever namespaces it joins). */
  userCap(): NamespaceMiddleware {
    return (socket, next) => {
      const limit = this.#deps.caps.maxPerUser;
      const userId = (socket.data as { userId?: string | null }).userId;
      if (limit <= 0 || typeof userId !== 'string') return next();
      const state = this.#stateOf(socket.conn as unknown as EngineConnection);
      if (holds(state.users, userId)) return next();
      state.pendingUsers ??= new Map();
      let pending = state.pendingUsers.get(userId);
      if (pending === undefined) {
        pending = this.#deps.counter
          .acquire('user', userId, limit)
          .catch(() => true)
          .then((ok) => {
            state.pendingUsers?.delete(userId);
            if (state.pendingUsers?.size === 0) state.pendingUsers = undefined;
            if (ok && state.closed) this.#deps.counter.release('user', userId);
            else if (ok) state.users = withUser(state.users, userId);
            return ok;
          });
        state.pendingUsers.set(userId, pending);
      }
      pending
        .then((ok) =>
          next(
            ok
              ? undefined
              : new WsError('LIMIT_EXCEEDED', `too many connections for this user (at most ${limit})`).toConnectError(),
          ),
        )
        .catch(() => undefined);
    };
  }

  #stateOf(conn: EngineConnection): ConnectionState {
    const known = this.#states.get(conn);
    if (known) return known;
    const deps = this.#deps;
    const decided = this.#requests.get(conn.request);
    this.#requests.delete(conn.request);
    const ip = decided?.ip ?? clientIp(conn.remoteAddress, conn.request.headers, deps.trustProxy);
    const limit = deps.caps.maxPerIp;
    const state: ConnectionState = {
      ip,
      verdict: ADMITTED,
      holdsIp: false,
      users: undefined,
      pendingUsers: undefined,
      closed: false,
    };
    const closeAfterGrace = () => {
      const timer = setTimeout(() => conn.close(), deps.refusedGraceMs ?? 5_000);
      timer.unref();
      conn.once('close', () => clearTimeout(timer));
    };
    if (decided?.refusal) {
      state.verdict = Promise.resolve(decided.refusal);
      closeAfterGrace();
    } else if (limit > 0) {
      state.verdict = deps.counter
        .acquire('ip', ip, limit)
        .catch(() => true)
        .then((ok) => {
          if (ok) {
            if (state.closed) deps.counter.release('ip', ip);
            else state.holdsIp = true;
            return undefined;
          }
          const refusal = new WsError('LIMIT_EXCEEDED', `too many connections from this address (at most ${limit})`);
          this.#refused({ code: 'LIMIT_EXCEEDED', namespace: null, ip, userId: null, reason: refusal.message });
          closeAfterGrace();
          return refusal;
        });
    }
    this.#states.set(conn, state);
    conn.once('close', this.#onClose);
    return state;
  }

  #release(state: ConnectionState): void {
    state.closed = true;
    if (state.holdsIp) {
      state.holdsIp = false;
      this.#deps.counter.release('ip', state.ip);
    }
    const users = state.users;
    state.users = undefined;
    if (typeof users === 'string') this.#deps.counter.release('user', users);
    else for (const userId of users ?? []) this.#deps.counter.release('user', userId);
  }

  #refused(refusal: Refusal): void {
    this.#deps.metrics.connectionRefused(NO_NAMESPACE, refusal.code);
    this.#deps.refusals.connection(refusal);
  }
}
