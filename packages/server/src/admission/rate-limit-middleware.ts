import type { IncomingHttpHeaders } from 'node:http';
import type { NamespaceName } from '@ws/protocol';
import type { Cluster, Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock } from '../clock.js';
import { DEFAULT_REDIS_PREFIX, redisKey } from '../redis-keys.js';
import { WsConfigError } from '../ws-config-error.js';
import { WsError } from '../ws-error.js';
import { clientIp } from './client-ip.js';
import { MemoryRateLimiter, type PointLimiter } from './memory-rate-limiter.js';

/** A token bucket: `points` requests per `durationSec`. */
export interface RateLimit {
  /** Requests allowed per window. */
  points: number;
  /** Window length in seconds. */
  durationSec: number;
}

export interface RateLimitOptions {
  /** Inbound-event limit per connection, per namespace. */
  namespaces: Record<NamespaceName, RateLimit>;
  /** How long a connection that went over its limit stays blocked (seconds). */
  blockDurationSec: number;
  /** Refused requests while blocked after which the socket should be disconnected. */
  floodDisconnectAfter: number;
  /** Handshakes per client IP; generous, since many traders share an office NAT. */
  handshake: RateLimit;
  /** ioredis client (or Cluster): limits are kept in Redis so they hold across nodes; memory store when absent. */
  redis?: Redis | Cluster;
  /** Redis key prefix (default `ws:rl`; the server passes `<redis.prefix>:rl`). */
  keyPrefix?: string;
  /** Take the client IP from the last `X-Forwarded-For` entry (set by your own proxy); off by default. */
  trustProxy?: boolean;
  /** A Redis answer slower than this (ms) is replaced by the memory insurance limiter's (default 500). */
  storeTimeoutMs?: number;
  /** Time of the memory limiters' windows and blocks (the store, or Redis' insurance); tests pass a manual one. */
  clock?: Clock;
}

/** Seed defaults: prices 100/s, user 50/s, admin 200/s, market 100/s; block 60 s; 300 handshakes per IP per 10 s. */
export const defaultRateLimitOptions: RateLimitOptions = Object.freeze({
  namespaces: Object.freeze({
    '/prices': Object.freeze({ points: 100, durationSec: 1 }),
    '/market': Object.freeze({ points: 100, durationSec: 1 }),
    '/user': Object.freeze({ points: 50, durationSec: 1 }),
    '/admin': Object.freeze({ points: 200, durationSec: 1 }),
  }),
  blockDurationSec: 60,
  floodDisconnectAfter: 20,
  handshake: Object.freeze({ points: 300, durationSec: 10 }),
  keyPrefix: redisKey(DEFAULT_REDIS_PREFIX, 'rl'),
});

/** Namespace connects one paid transport connection covers: one per namespace. */
const FREE_CONNECTS_PER_CONNECTION = 4;

/** The part of a Socket.IO socket the rate limiter uses; any typed `Socket` satisfies it. */
export interface RateLimitSocket {
  readonly id: string;
  readonly nsp: { readonly name: string };
  readonly handshake: { address: string; headers?: IncomingHttpHeaders };
  /** The underlying transport connection, shared by the namespaces a client multiplexes over it. */
  readonly conn?: object;
  /** The HTTP request that opened the transport connection (what `chargeHandshake` was given). */
  readonly request?: object;
}

export type RateLimitResult = { ok: true } | { ok: false; retryAfterMs: number; disconnect: boolean };

/** The one accepted answer (read only), not an object per request. */
const ACCEPTED: RateLimitResult = Object.freeze({ ok: true });

/** The limiter's store when it answers synchronously (kept in memory, no Redis behind it); else undefined. */
function memoryOnly(limiter: Limiter): MemoryRateLimiter | undefined {
  return limiter.insurance === undefined && limiter.store instanceof MemoryRateLimiter ? limiter.store : undefined;
}

/**
 * Per-connection, per-namespace limits on inbound events plus a per-IP handshake limit (rate-limiter-flexible).
 * With Redis the limits live in Redis; while Redis is not ready a memory insurance limiter answers, so a
 * Redis outage neither crashes nor stalls the gateway. A store error without an answer fails open.
 */
export class RateLimitMiddleware {
  readonly #options: RateLimitOptions;
  readonly #limiters = new Map<string, Limiter>();
  readonly #handshake: Limiter;
  /** Refusals per connection key since its last accepted request. */
  readonly #refused = new Map<string, number>();
  /**
   * The charge of each transport connection, so one client multiplexing four namespaces pays once: while it
   * is pending, the pending charge; once paid, just the namespace connects it covered so far (a number, not
   * an object and a promise, for the whole life of every connection).
   */
  readonly #paid = new WeakMap<object, PendingCharge | number>();
  #rejections = 0;
  #handshakeRejections = 0;

  constructor(options: Partial<RateLimitOptions> = {}) {
    this.#options = {
      ...defaultRateLimitOptions,
      ...options,
      namespaces: { ...defaultRateLimitOptions.namespaces, ...options.namespaces },
    };
    const { blockDurationSec, floodDisconnectAfter, handshake } = this.#options;
    checkNumber('rateLimit.blockDurationSec', blockDurationSec, 0);
    checkNumber('rateLimit.floodDisconnectAfter', floodDisconnectAfter, 1);
    for (const [namespace, limit] of Object.entries(this.#options.namespaces)) {
      checkLimit(`rateLimit.namespaces['${namespace}']`, limit);
      this.#limiters.set(namespace, this.#createLimiter(`ev:${namespace}`, limit, blockDurationSec));
    }
    checkLimit('rateLimit.handshake', handshake);
    this.#handshake = this.#createLimiter('hs', handshake, 0);
  }

  /** Rejections so far (inbound events and handshakes), for metrics. */
  get rejections(): number {
    return this.#rejections;
  }

  /** Handshakes refused so far. */
  get handshakeRejections(): number {
    return this.#handshakeRejections;
  }

  /**
   * Charges `points` (default 1: one inbound event; more for costly requests) to this connection. Over the limit the answer carries the block's
   * remaining time; `disconnect` turns true on the `floodDisconnectAfter`-th refusal while already blocked.
   * Never throws.
   */
  async consume(socket: RateLimitSocket, points = 1): Promise<RateLimitResult> {
    const limiter = this.#limiters.get(socket.nsp.name);
    if (limiter === undefined) return ACCEPTED;
    const key = connectionKey(socket);
    try {
      await this.#consume(limiter, key, points);
      this.#accepted(key);
      return ACCEPTED;
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) return ACCEPTED;
      return this.#refusal(key, res.msBeforeNext);
    }
  }

  /**
   * `consume` answered synchronously when the namespace's limiter is the memory one (no Redis); undefined,
   * with nothing charged, when the answer needs Redis (then call `consume`).
   */
  consumeNow(socket: RateLimitSocket, points = 1): RateLimitResult | undefined {
    const limiter = this.#limiters.get(socket.nsp.name);
    if (limiter === undefined) return ACCEPTED;
    const store = memoryOnly(limiter);
    if (store === undefined) return undefined;
    const key = connectionKey(socket);
    const msBeforeNext = store.chargeNow(key, points);
    if (msBeforeNext < 0) {
      this.#accepted(key);
      return ACCEPTED;
    }
    return this.#refusal(key, msBeforeNext);
  }

  #accepted(key: string): void {
    if (this.#refused.size > 0) this.#refused.delete(key);
  }

  #refusal(key: string, msBeforeNext: number): RateLimitResult {
    this.#rejections += 1;
    const refused = (this.#refused.get(key) ?? 0) + 1;
    this.#refused.set(key, refused);
    // The first refusal starts the block; only refusals after it count as flooding.
    const disconnect = refused - 1 >= this.#options.floodDisconnectAfter;
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(msBeforeNext)), disconnect };
  }

  /**
   * Per-IP handshake limit as Socket.IO namespace middleware; refuses with RATE_LIMITED and `retryAfterMs`.
   * The IP is `handshake.address`; with `trustProxy` the last `X-Forwarded-For` entry (the one your proxy added).
   */
  handshakeMiddleware(): (socket: RateLimitSocket, next: (err?: Error) => void) => void {
    return (socket, next) => {
      // Keyed by the opening request when the connection was charged at it (`chargeHandshake`).
      const conn = socket.request !== undefined && this.#paid.has(socket.request) ? socket.request : socket.conn;
      const paid = conn === undefined ? undefined : this.#paid.get(conn);
      // Free: the other namespaces of a paid connection (they arrive together, so wait for a pending charge).
      // Re-connecting beyond that on the same connection is charged again, so it cannot dodge the limit.
      if (conn !== undefined && typeof paid === 'number' && paid < FREE_CONNECTS_PER_CONNECTION) {
        this.#paid.set(conn, paid + 1);
        next();
        return;
      }
      if (typeof paid === 'object' && paid.connects < FREE_CONNECTS_PER_CONNECTION) {
        paid.connects += 1;
        paid.charge.then((ok) => (ok ? next() : this.#chargeHandshake(socket, next))).catch(() => undefined);
        return;
      }
      this.#chargeHandshake(socket, next);
    };
  }

  /**
   * Charges one handshake point to `ip` for a new transport connection, at its opening `request` (Engine.IO's
   * `allowRequest`, before any namespace): resolves with the RATE_LIMITED refusal, or undefined. A charged
   * connection's first namespace connects are free, like a connection charged at its first namespace.
   */
  async chargeHandshake(ip: string, request: object): Promise<WsError | undefined> {
    try {
      await this.#consume(this.#handshake, ip);
    } catch (res) {
      // A store failure without an answer fails open, like an event.
      if (!(res instanceof RateLimiterRes)) return undefined;
      return this.#handshakeRefusal(res.msBeforeNext);
    }
    this.#paid.set(request, 0);
    return undefined;
  }

  /**
   * `chargeHandshake` answered synchronously when the handshake limiter is the memory one (no Redis): `null`
   * when admitted, the refusal otherwise; undefined, with nothing charged, when the answer needs Redis.
   */
  chargeHandshakeNow(ip: string, request: object): WsError | null | undefined {
    const store = memoryOnly(this.#handshake);
    if (store === undefined) return undefined;
    const msBeforeNext = store.chargeNow(ip, 1);
    if (msBeforeNext >= 0) return this.#handshakeRefusal(msBeforeNext);
    this.#paid.set(request, 0);
    return null;
  }

  #handshakeRefusal(msBeforeNext: number): WsError {
    this.#rejections += 1;
    this.#handshakeRejections += 1;
    const retryAfterMs = Math.max(1, Math.ceil(msBeforeNext));
    return new WsError('RATE_LIMITED', 'too many connections from this address', { retryAfterMs });
  }

  #chargeHandshake(socket: RateLimitSocket, next: (err?: Error) => void): void {
    const refusal: Promise<Error | undefined> = this.#consume(this.#handshake, this.clientIp(socket)).then(
      () => undefined,
      (res: unknown) => {
        // A store failure without an answer fails open, like an event.
        if (!(res instanceof RateLimiterRes)) return undefined;
        this.#rejections += 1;
        this.#handshakeRejections += 1;
        if (socket.conn !== undefined && this.#paid.get(socket.conn) === entry) this.#paid.delete(socket.conn);
        const retryAfterMs = Math.max(1, Math.ceil(res.msBeforeNext));
        return new WsError('RATE_LIMITED', 'too many connections from this address', { retryAfterMs }).toConnectError();
      },
    );
    const entry: PendingCharge = { charge: refusal.then((err) => err === undefined), connects: 1 };
    const conn = socket.conn;
    if (conn !== undefined && !this.#paid.has(conn)) this.#paid.set(conn, entry);
    refusal
      .then((err) => {
        // Paid: keep only the count (a refusal already removed the entry).
        if (err === undefined && conn !== undefined && this.#paid.get(conn) === entry) {
          this.#paid.set(conn, entry.connects);
        }
        next(err);
      })
      .catch(() => undefined);
  }

  /** The client IP the handshake limit is keyed by. */
  clientIp(socket: RateLimitSocket): string {
    return clientIp(socket.handshake.address, socket.handshake.headers, this.#options.trustProxy === true);
  }

  /** Forgets a closed connection's counters. */
  release(socket: RateLimitSocket): void {
    const key = connectionKey(socket);
    this.#refused.delete(key);
    const limiter = this.#limiters.get(socket.nsp.name);
    limiter?.store.delete(key).catch(() => undefined);
    limiter?.insurance?.delete(key).catch(() => undefined);
  }

  /**
   * The store's answer; the insurance limiter's when the store fails (Redis not ready) or stalls (a command in
   * flight at an outage).
   */
  #consume(limiter: Limiter, key: string, points = 1): Promise<RateLimiterRes> {
    const insurance = limiter.insurance;
    if (insurance === undefined) return limiter.store.consume(key, points);
    const pending = limiter.store.consume(key, points).catch((err: unknown) => {
      if (err instanceof RateLimiterRes) throw err;
      return insurance.consume(key, points);
    });
    let timer: NodeJS.Timeout | undefined;
    const stalled = Symbol('stalled');
    const timeout = new Promise<typeof stalled>((resolve) => {
      timer = setTimeout(() => resolve(stalled), this.#options.storeTimeoutMs ?? 500);
    });
    return Promise.race([pending, timeout])
      .then((res) => (res === stalled ? insurance.consume(key, points) : res))
      .finally(() => clearTimeout(timer));
  }

  #createLimiter(name: string, limit: RateLimit, blockDurationSec: number): Limiter {
    const keyPrefix = redisKey(this.#options.keyPrefix ?? redisKey(DEFAULT_REDIS_PREFIX, 'rl'), name);
    const base = { keyPrefix, points: limit.points, duration: limit.durationSec, blockDuration: blockDurationSec };
    const memory = new MemoryRateLimiter(
      { points: limit.points, duration: limit.durationSec, blockDuration: blockDurationSec },
      this.#options.clock,
    );
    const redis = this.#options.redis;
    if (redis === undefined) return { store: memory, insurance: undefined };
    // Not ready: rejects at once, and `#consume` asks the insurance limiter instead.
    const store = new RateLimiterRedis({
      ...base,
      storeClient: redis,
      rejectIfRedisNotReady: true,
      // A blocked flooder is answered from memory, without a Redis round trip per request.
      ...(blockDurationSec > 0
        ? { inMemoryBlockOnConsumed: limit.points + 1, inMemoryBlockDuration: blockDurationSec }
        : {}),
    });
    return { store, insurance: memory };
  }
}

/** A transport connection's handshake charge while the store has not answered yet. */
interface PendingCharge {
  /** Resolves true when the charge was accepted. */
  charge: Promise<boolean>;
  /** Namespace connects covered so far, this one included. */
  connects: number;
}

/** A limiter and, with Redis, the memory limiter that answers while Redis cannot. */
interface Limiter {
  store: PointLimiter;
  insurance: MemoryRateLimiter | undefined;
}

function connectionKey(socket: RateLimitSocket): string {
  return `${socket.nsp.name}:${socket.id}`;
}

/** `option` is the path in `WebSocketServerInit`, whose `rateLimit` these options are. */
function checkNumber(option: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) throw new WsConfigError(option, `must be a number >= ${min}`);
}

function checkLimit(option: string, limit: RateLimit): void {
  if (!Number.isInteger(limit.points) || limit.points < 1) {
    throw new WsConfigError(`${option}.points`, 'must be an integer >= 1');
  }
  if (!Number.isFinite(limit.durationSec) || limit.durationSec <= 0) {
    throw new WsConfigError(`${option}.durationSec`, 'must be a number > 0');
  }
}
