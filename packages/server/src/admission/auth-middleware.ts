import { createPublicKey, type KeyObject, webcrypto } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type NamespaceName, type Role, type SystemMessage, USER_ID_PATTERN } from '@ws/protocol';
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { type Clock, systemClock } from '../clock.js';
import { WsConfigError } from '../ws-config-error.js';
import { WsError } from '../ws-error.js';
import { DeadlineTimer } from './deadline-timer.js';
import { Hs256Verifier } from './hs256-verifier.js';
import { extractToken, MAX_TOKEN_LENGTH } from './token-extractor.js';

export interface AuthOptions {
  /** HS256/384/512 shared secret; at least 32 bytes. */
  secret?: string;
  /** PEM (SPKI) public key for RS*, PS*, ES* or EdDSA tokens. */
  publicKey?: string;
  /** JWKS URL; keys are fetched and cached by jose's `createRemoteJWKSet`. */
  jwksUrl?: string;
  /** Explicit algorithm allow-list; default derived from the configured keys; `none` is never allowed. */
  algorithms?: string[];
  /** Required `iss` when set. */
  issuer?: string;
  /** Required `aud` (one of) when set. */
  audience?: string | string[];
  /** Leeway for `exp`/`nbf` in seconds (default 5). */
  clockToleranceSec?: number;
  /** How long before expiry a `system.message` warning is sent (default 30 s; 0 = none). */
  expiryNoticeMs?: number;
  /** JWKS cache max age in ms (default 10 min, jose's default). */
  jwksCacheMaxAgeMs?: number;
  /**
   * The time tokens are checked against (`exp`, `nbf`, via jose's `currentDate`) and the timers of the expiry
   * notice and the disconnect at expiry; default the system clock. Tests pass one they advance by hand.
   */
  clock?: Clock;
}

/** Who a verified token says the client is. `expiresAt` is epoch ms. */
export interface AuthContext {
  userId: string | null;
  role: Role | null;
  expiresAt: number | null;
}

/** The part of a Socket.IO socket the auth middleware uses; any typed `Socket` satisfies it. */
export interface AuthSocket {
  readonly id: string;
  readonly connected: boolean;
  readonly nsp: { readonly name: string };
  readonly handshake: { auth?: Record<string, unknown>; headers?: IncomingHttpHeaders };
  data: { userId?: string | null; role?: Role | null; tokenExpiresAt?: number | null };
  emit(event: 'system.message', payload: SystemMessage): boolean;
  disconnect(close?: boolean): unknown;
  /** The listener is one function shared by every socket; it is called with the socket as `this`. */
  on(event: 'disconnect', listener: (...args: never[]) => void): unknown;
}

const ROLES: readonly Role[] = ['user', 'admin', 'service'];
const USER_ID = new RegExp(USER_ID_PATTERN);
const HMAC_ALGS = ['HS256', 'HS384', 'HS512'];
const RSA_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGS: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const MIN_SECRET_BYTES = 32;
const DEFAULT_CLOCK_TOLERANCE_SEC = 5;

/**
 * JWT authentication for the four namespaces (jose). Public namespaces accept anonymous clients but refuse
 * an invalid token; `/user` needs a user id; `/admin` needs role `admin` (and a user id, for the audit trail).
 * Claims: `userId`, else `sub`, matching the protocol's user-id pattern; `role` one of user/admin/service,
 * `user` when absent, anything else refused; `exp` required.
 */
export class AuthMiddleware {
  readonly #options: AuthOptions;
  readonly #clock: Clock;
  readonly #algorithms: string[];
  readonly #secret: Uint8Array | undefined;
  readonly #publicKey: KeyObject | undefined;
  readonly #jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  /** The secret imported once per HS algorithm: jose would import a raw secret again on every verification. */
  readonly #hmacKeys = new Map<string, Promise<webcrypto.CryptoKey>>();
  /** HS256 on `node:crypto`, synchronous, for the tokens it can decide exactly as jose; jose does the rest. */
  readonly #hs256: Hs256Verifier | undefined;
  /**
   * Watched sockets and the expiry their deadlines were scheduled for (null: none). One shared timer per
   * kind of deadline instead of timers per socket, and one disconnect listener function for all sockets:
   * per connection this keeps a map entry and two deadline entries, not two Timeouts and five closures.
   */
  readonly #watched = new Map<AuthSocket, number | null>();
  readonly #notices: DeadlineTimer<AuthSocket>;
  readonly #expiries: DeadlineTimer<AuthSocket>;
  readonly #onDisconnect: (this: AuthSocket) => void;
  #closed = false;

  constructor(options: AuthOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#notices = new DeadlineTimer<AuthSocket>((socket) => this.#notice(socket), this.#clock);
    this.#expiries = new DeadlineTimer<AuthSocket>((socket) => this.#expire(socket), this.#clock);
    const forget = (socket: AuthSocket) => this.#forget(socket);
    this.#onDisconnect = function (this: AuthSocket) {
      forget(this);
    };
    const { secret, publicKey, jwksUrl } = options;
    if (secret === undefined && publicKey === undefined && jwksUrl === undefined) {
      throw new WsConfigError('auth', 'needs a secret, a publicKey or a jwksUrl');
    }
    if (publicKey !== undefined && jwksUrl !== undefined) {
      throw new WsConfigError('auth.jwksUrl', 'cannot be combined with auth.publicKey: configure one of them');
    }
    if (secret !== undefined) {
      this.#secret = new TextEncoder().encode(secret);
      if (this.#secret.byteLength < MIN_SECRET_BYTES) {
        throw new WsConfigError('auth.secret', `must be at least ${MIN_SECRET_BYTES} bytes`);
      }
    }
    // `asymmetric`: what the key can verify; `defaults`: the narrow allow-list used when none is given.
    const asymmetric: string[] = [];
    const defaults = secret === undefined ? [] : ['HS256'];
    if (publicKey !== undefined) {
      this.#publicKey = importPublicKey(publicKey);
      asymmetric.push(...algorithmsForKey(this.#publicKey));
      defaults.push(...(this.#publicKey.asymmetricKeyType === 'ed25519' ? asymmetric : asymmetric.slice(0, 1)));
    }
    if (jwksUrl !== undefined) {
      this.#jwks = createRemoteJWKSet(parseJwksUrl(jwksUrl), {
        ...(options.jwksCacheMaxAgeMs === undefined ? {} : { cacheMaxAge: options.jwksCacheMaxAgeMs }),
      });
      defaults.push('RS256', 'ES256');
    }
    this.#algorithms = options.algorithms ?? defaults;
    this.#checkAlgorithms(asymmetric);
    const tolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
    // A tolerance jose would refuse as an option error stays jose's to report.
    if (
      this.#secret !== undefined &&
      this.#algorithms.includes('HS256') &&
      Number.isFinite(tolerance) &&
      tolerance >= 0
    ) {
      this.#hs256 = new Hs256Verifier(this.#secret, {
        issuer: options.issuer,
        audience: options.audience,
        clockToleranceSec: tolerance,
      });
    }
  }

  /** Socket.IO namespace middleware; refuses with `connect_error` message = code, data = `{ code, message }`. */
  middleware(namespace: NamespaceName): (socket: AuthSocket, next: (err?: Error) => void) => void {
    return (socket, next) => {
      let pending: Promise<void> | undefined;
      try {
        pending = this.#authenticate(namespace, socket);
      } catch (err) {
        return next(toWsError(err).toConnectError());
      }
      // Decided synchronously (no token, or the HS256 fast path): no extra turn per connect.
      if (pending === undefined) return next();
      pending
        .then(
          () => next(),
          (err: unknown) => next(toWsError(err).toConnectError()),
        )
        // Socket.IO's next() does not throw; if it ever did, it must not become an unhandled rejection.
        .catch(() => undefined);
    };
  }

  /**
   * Schedules the expiry notice and the disconnect at expiry of an authenticated socket (again after a
   * refresh, replacing the previous ones); they are forgotten on disconnect.
   */
  watch(socket: AuthSocket): void {
    this.#cancel(socket);
    const expiresAt = socket.data.tokenExpiresAt;
    if (this.#closed || expiresAt === null || expiresAt === undefined || !socket.connected) return;
    if (!Number.isFinite(expiresAt)) return;
    if (!this.#watched.has(socket)) socket.on('disconnect', this.#onDisconnect);
    this.#watched.set(socket, expiresAt);
    const noticeMs = this.#options.expiryNoticeMs ?? 30_000;
    if (noticeMs > 0 && expiresAt - noticeMs > this.#clock.now()) this.#notices.schedule(socket, expiresAt - noticeMs);
    this.#expiries.schedule(socket, expiresAt);
  }

  /** `auth.refresh`: a valid token for the same user replaces the current one and re-arms the expiry timer. */
  async refresh(socket: AuthSocket, token: string): Promise<{ expiresAt: number }> {
    if (!socket.connected) throw new WsError('UNAUTHORIZED', 'socket is not connected');
    if (socket.data.tokenExpiresAt === null || socket.data.tokenExpiresAt === undefined) {
      throw new WsError('FORBIDDEN', 'connection has no token to refresh');
    }
    const context = await this.verify(token);
    if (context.userId !== (socket.data.userId ?? null)) {
      throw new WsError('FORBIDDEN', 'token is for another user');
    }
    if (socket.nsp.name === '/admin' && context.role !== 'admin') {
      throw new WsError('FORBIDDEN', 'admin role required');
    }
    // The old timer may have fired while the token was being verified.
    if (!socket.connected) throw new WsError('UNAUTHORIZED', 'socket is not connected');
    const expiresAt = context.expiresAt as number;
    socket.data.role = context.role;
    socket.data.tokenExpiresAt = expiresAt;
    this.watch(socket);
    return { expiresAt };
  }

  /** Verifies signature, algorithm, `exp`/`nbf`, `iss`/`aud` and the claims; throws `WsError` UNAUTHORIZED. */
  async verify(token: string): Promise<AuthContext> {
    const now = this.#clock.now();
    return this.#verifyFast(token, now) ?? this.#verifyWithJose(token, now);
  }

  /**
   * The synchronous part of `verify`: the token's shape, and the HS256 fast path's answer when it has one
   * (throws `WsError` for a refusal); undefined when jose must decide.
   */
  #verifyFast(token: string, now: number): AuthContext | undefined {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new WsError('UNAUTHORIZED', 'invalid token');
    }
    const fast = this.#hs256?.verify(token, now);
    if (fast?.kind === 'valid') return contextOf(fast.payload);
    if (fast?.kind === 'bad-signature') {
      const cause = new joseErrors.JWSSignatureVerificationFailed();
      throw new WsError('UNAUTHORIZED', verifyFailureMessage(cause), { cause });
    }
    return undefined;
  }

  async #verifyWithJose(token: string, now: number): Promise<AuthContext> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#getKey, {
        algorithms: this.#algorithms,
        clockTolerance: this.#options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
        currentDate: new Date(now),
        requiredClaims: ['exp'],
        ...(this.#options.issuer === undefined ? {} : { issuer: this.#options.issuer }),
        ...(this.#options.audience === undefined ? {} : { audience: this.#options.audience }),
      }));
    } catch (err) {
      throw new WsError('UNAUTHORIZED', verifyFailureMessage(err), { cause: err });
    }
    return contextOf(payload);
  }

  /** Clears every expiry timer; later `watch` calls do nothing. */
  close(): void {
    this.#closed = true;
    this.#notices.clear();
    this.#expiries.clear();
    this.#watched.clear();
  }

  /**
   * Authenticates the socket: synchronously when it can be decided at once (no token; an HS256 token the
   * fast path verifies; any refusal of those throws), else the returned promise settles once jose has.
   */
  #authenticate(namespace: NamespaceName, socket: AuthSocket): Promise<void> | undefined {
    const extracted = extractToken(socket.handshake);
    const isPublic = namespace === '/prices' || namespace === '/market';
    if (extracted.kind === 'invalid') throw new WsError('UNAUTHORIZED', 'invalid token');
    if (extracted.kind === 'none') {
      if (!isPublic) throw new WsError('UNAUTHORIZED', 'token required');
      Object.assign(socket.data, { userId: null, role: null, tokenExpiresAt: null });
      return undefined;
    }
    const now = this.#clock.now();
    const fast = this.#verifyFast(extracted.token, now);
    if (fast !== undefined) {
      this.#admit(namespace, socket, fast);
      return undefined;
    }
    return this.#verifyWithJose(extracted.token, now).then((context) => this.#admit(namespace, socket, context));
  }

  /** The verified context's checks for the namespace, then the session data; the raw token leaves. */
  #admit(namespace: NamespaceName, socket: AuthSocket, context: AuthContext): void {
    const isPublic = namespace === '/prices' || namespace === '/market';
    if (!isPublic && context.userId === null) throw new WsError('UNAUTHORIZED', 'token has no user id');
    if (namespace === '/admin' && context.role !== 'admin') throw new WsError('FORBIDDEN', 'admin role required');
    Object.assign(socket.data, { userId: context.userId, role: context.role, tokenExpiresAt: context.expiresAt });
    dropToken(socket.handshake);
  }

  readonly #getKey: JWTVerifyGetKey = async (header, token) => {
    const alg = header.alg ?? '';
    if (HMAC_ALGS.includes(alg)) {
      if (this.#secret === undefined) throw new joseErrors.JOSEAlgNotAllowed('HMAC is not configured');
      return this.#hmacKey(alg, this.#secret);
    }
    if (this.#publicKey !== undefined) return this.#publicKey;
    if (this.#jwks !== undefined) return this.#jwks(header, token);
    throw new joseErrors.JOSEAlgNotAllowed('no key for this algorithm');
  };

  #hmacKey(alg: string, secret: Uint8Array): Promise<webcrypto.CryptoKey> {
    let key = this.#hmacKeys.get(alg);
    if (key === undefined) {
      const hash = `SHA-${alg.slice(2)}`;
      key = webcrypto.subtle.importKey('raw', new Uint8Array(secret), { name: 'HMAC', hash }, false, ['verify']);
      this.#hmacKeys.set(alg, key);
    }
    return key;
  }

  #checkAlgorithms(asymmetric: string[]): void {
    // The defaults always fit the keys: a misfit is in an explicit `algorithms`.
    const option = 'auth.algorithms';
    if (this.#algorithms.length === 0) throw new WsConfigError(option, 'must not be empty');
    for (const alg of this.#algorithms) {
      if (alg.toLowerCase() === 'none') throw new WsConfigError(option, "must not list 'none': it is never allowed");
      const isHmac = HMAC_ALGS.includes(alg);
      if (isHmac && this.#secret === undefined) {
        // HS* with only a public key configured is the RS/HS key-confusion attack.
        throw new WsConfigError(option, `lists ${alg}, which needs a secret`);
      }
      if (!isHmac && this.#publicKey !== undefined && !asymmetric.includes(alg)) {
        throw new WsConfigError(option, `lists ${alg}, which does not fit the configured public key`);
      }
      if (!isHmac && this.#publicKey === undefined && this.#jwks === undefined) {
        throw new WsConfigError(option, `lists ${alg}, which needs a publicKey or a jwksUrl`);
      }
    }
  }

  #notice(socket: AuthSocket): void {
    const expiresAt = this.#watched.get(socket);
    if (expiresAt === null || expiresAt === undefined) return;
    const now = this.#clock.now();
    const seconds = Math.max(0, Math.round((expiresAt - now) / 1000));
    socket.emit('system.message', {
      type: 'warning',
      message: `token expires in ${seconds} s; send auth.refresh`,
      timestamp: now,
    });
  }

  #expire(socket: AuthSocket): void {
    socket.emit('system.message', { type: 'critical', message: 'token expired', timestamp: this.#clock.now() });
    // Only this namespace: the client's other namespaces share the connection and stay up.
    socket.disconnect();
  }

  /** Cancels the socket's scheduled deadlines; it stays known (its disconnect listener is in place). */
  #cancel(socket: AuthSocket): void {
    const expiresAt = this.#watched.get(socket);
    if (expiresAt === null || expiresAt === undefined) return;
    const noticeMs = this.#options.expiryNoticeMs ?? 30_000;
    this.#notices.cancel(socket, expiresAt - noticeMs);
    this.#expiries.cancel(socket, expiresAt);
    this.#watched.set(socket, null);
  }

  #forget(socket: AuthSocket): void {
    this.#cancel(socket);
    this.#watched.delete(socket);
  }
}

/**
 * Once verified, the raw token is not needed any more: it leaves the handshake (a string of several hundred
 * bytes per connection, which `fetchSockets()` would also carry to other nodes). The other `auth` fields,
 * such as `/user`'s `since`, stay. A new object rather than `delete`, which would slow the object down.
 */
function dropToken(handshake: AuthSocket['handshake']): void {
  const auth = handshake.auth;
  if (auth === undefined || auth === null || !Object.hasOwn(auth, 'token')) return;
  const { token: _token, ...rest } = auth;
  handshake.auth = rest;
}

function importPublicKey(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw new WsConfigError('auth.publicKey', 'is not a public key Node can import (PEM, SPKI)', { cause: err });
  }
}

function parseJwksUrl(url: string): URL {
  try {
    return new URL(url);
  } catch (err) {
    throw new WsConfigError('auth.jwksUrl', 'is not a URL', { cause: err });
  }
}

function algorithmsForKey(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return key.asymmetricKeyType === 'rsa' ? RSA_ALGS : RSA_ALGS.filter((alg) => alg.startsWith('PS'));
    case 'ec': {
      const alg = EC_ALGS[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (alg === undefined) throw new WsConfigError('auth.publicKey', 'is on an unsupported EC curve');
      return [alg];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new WsConfigError('auth.publicKey', `has an unsupported key type ${String(key.asymmetricKeyType)}`);
  }
}

function contextOf(payload: JWTPayload): AuthContext {
  return { userId: userIdOf(payload), role: roleOf(payload), expiresAt: (payload.exp as number) * 1000 };
}

function userIdOf(payload: JWTPayload): string | null {
  const claim = payload['userId'] ?? payload.sub;
  if (claim === undefined) return null;
  if (typeof claim !== 'string' || !USER_ID.test(claim)) throw new WsError('UNAUTHORIZED', 'invalid user id claim');
  return claim;
}

function roleOf(payload: JWTPayload): Role {
  const claim = payload['role'];
  if (claim === undefined) return 'user';
  if (typeof claim !== 'string' || !(ROLES as readonly string[]).includes(claim)) {
    throw new WsError('UNAUTHORIZED', 'unknown role');
  }
  return claim as Role;
}

/** Says which check failed without echoing anything from the token. */
function verifyFailureMessage(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'token not yet valid';
    if (err.claim === 'iss' || err.claim === 'aud') return `token ${err.claim} mismatch`;
    if (err.claim === 'exp') return 'token has no valid exp';
    return 'token claim check failed';
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'invalid token signature';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key for this token';
  if (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError)) {
    return 'token could not be verified';
  }
  return 'invalid token';
}

function toWsError(err: unknown): WsError {
  return err instanceof WsError ? err : new WsError('UNAUTHORIZED', 'token could not be verified', { cause: err });
}
