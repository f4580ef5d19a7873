import { isMarketSymbol, type NamespaceName } from '@ws/protocol';
import { defaultServerOptions, type WebSocketServerOptions } from '@ws/server';
import { type ConfigVariableName, DEFAULT_SYMBOLS, defaultOf } from './config-variables.js';

export { DEFAULT_SYMBOLS };

/** Log levels pino accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface JwtConfig {
  /** HS256 shared secret (at least 32 characters). */
  secret?: string;
  /** PEM public key (RS256/ES256). */
  publicKey?: string;
  /** JWKS URL, fetched and cached. */
  jwksUrl?: string;
  /** Explicit algorithm allow-list; derived from the key kind when absent. */
  algorithms?: string[];
  issuer?: string;
  audience?: string[];
}

export interface RateLimitConfig {
  /**
   * Points per window per namespace: `WS_RATE_LIMIT_POINTS_<NS>`, else derived from `WS_RATE_LIMIT_POINTS` in the
   * proportions of the seed's defaults (`/prices` and `/market` 1×, `/user` ½×, `/admin` 2×).
   */
  points: Record<NamespaceName, number>;
  durationSec: number;
  blockDurationSec: number;
  handshakePoints: number;
  handshakeDurationSec: number;
}

export interface HostPort {
  host: string;
  port: number;
}

/** Where Redis is: one node by URL, a Redis Cluster by seed nodes, or a master found through Sentinel. */
export type RedisTarget =
  | { kind: 'url'; url: string }
  | { kind: 'cluster'; nodes: HostPort[] }
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string };

export interface RedisConfig {
  target: RedisTarget;
  /** ACL user and password of the data nodes (with a URL, these override the URL's). */
  username?: string;
  password?: string;
  /** Password of the Sentinels themselves, when they require one. */
  sentinelPassword?: string;
  /** TLS to the data nodes (and Sentinels); `rediss://` URLs imply it. */
  tls: boolean;
}

/** HTTPS/WSS: PEM files read at start and again on SIGHUP. */
export interface TlsConfig {
  certFile: string;
  keyFile: string;
  /** Extra CA certificates (PEM): intermediates to complete the served chain. */
  caFile?: string;
  /** Passphrase of an encrypted key. */
  passphrase?: string;
}

export interface GatewayConfig {
  production: boolean;
  port: number;
  host: string;
  /** `null` serves plain HTTP/WS (TLS terminated in front, or none). */
  tls: TlsConfig | null;
  nodeId: string;
  /** Take client IPs from `X-Forwarded-For` (only behind your own proxy). */
  trustProxy: boolean;
  /** Allowed browser origins; `'*'` only when configured so. */
  corsOrigin: string[] | '*';
  pingIntervalMs: number;
  pingTimeoutMs: number;
  maxHttpBufferSize: number;
  /** `REDIS_URL`, when that is how Redis is configured. */
  redisUrl: string | null;
  /** `null` runs a single node with in-memory adapter and stores. */
  redis: RedisConfig | null;
  redisPrefix: string;
  /** How long a room's bus channel stays subscribed after the node's last member left (`WS_CLUSTER_BUS_LINGER_MS`). */
  clusterBusLingerMs: number;
  /** `/readyz` 503 while Redis is unreachable (`WS_READY_REQUIRES_REDIS`); by default 200 `degraded`. */
  readyRequiresRedis: boolean;
  rateLimit: RateLimitConfig;
  limits: { maxSymbolsPerConnection: number; maxChannelsPerUser: number; maxRoomsPerConnection: number };
  /** Concurrent connections per client IP and per user, cluster-wide with Redis; 0 = no cap. */
  connectionCaps: { maxPerIp: number; maxPerUser: number };
  jwt: JwtConfig;
  /** True when no JWT configuration was given: the gateway uses a generated development secret. */
  needsDevSecret: boolean;
  devSecretFile: string;
  symbols: string[];
  demo: { enabled: boolean; intervalMs: number; snapshotIntervalMs: number };
  /** Serve the operations console at `/admin/console` (`WS_ADMIN_CONSOLE`; off in production unless set). */
  adminConsole: boolean;
  logLevel: LogLevel;
  shutdownDeadlineMs: number;
  /** After SIGTERM, how long readiness reports 503 while still serving, so load balancers stop routing here first. */
  drainDelayMs: number;
  adminStatsIntervalMs: number;
  /** Thresholds of `admin.alert` (`WS_ALERT_*`). */
  alerts: WebSocketServerOptions['admin']['alerts'];
  /** `redisTimeoutMs`: how long a publish waits for Redis before it is refused UNAVAILABLE (503). */
  publish: { maxBodyBytes: number; maxItems: number; redisTimeoutMs: number };
  /** Plain HTTP requests (and Engine.IO handshakes): how long the headers, and the whole request, may take to arrive. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number };
  /** How long a connection may stay over the slow-consumer soft mark before it is cut (`WS_SLOW_CONSUMER_TIMEOUT_MS`). */
  slowConsumerTimeoutMs: number;
  /** How long `/user` events stay replayable after a disconnect (`WS_RECOVERY_WINDOW`, seconds). */
  recoveryWindowMs: number;
  /** ms of fan-out per event-loop turn, confirmed as CPU time, before latest-state broadcasts are conflated (`WS_OVERLOAD_TURN_BUDGET_MS`; 0 = off). */
  overloadTurnBudgetMs: number;
  /** Event-loop busy share (percent) also required before conflating (`WS_OVERLOAD_LOOP_UTILIZATION_PCT`; 0 = budget alone). */
  overloadLoopUtilizationPct: number;
}

export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Configuration that cannot run; every issue names its environment variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((i) => `${i.variable}: ${i.message}`).join('\n'));
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads one variable at a time and collects every problem, so an operator sees them all at once. Names are
 * those of CONFIG_VARIABLES, and so are the defaults: a variable is defined, and its default given, once.
 */
class EnvReader {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly env: Env) {}

  raw(name: ConfigVariableName): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  fail(variable: ConfigVariableName, message: string): void {
    this.issues.push({ variable, message });
  }

  /** The value, or the variable's default. */
  string(name: ConfigVariableName): string {
    return this.raw(name) ?? defaultOf<string>(name, 'string');
  }

  /** An integer in [min, max], or the variable's default (or `fallback`, for a computed default). */
  int(name: ConfigVariableName, min: number, max: number, fallback?: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback ?? defaultOf<number>(name, 'number');
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      this.fail(name, `must be an integer from ${min} to ${max}, got ${quote(value)}`);
      return fallback ?? min;
    }
    return n;
  }

  optionalInt(name: ConfigVariableName, min: number, max: number): number | undefined {
    return this.raw(name) === undefined ? undefined : this.int(name, min, max, min);
  }

  bool(name: ConfigVariableName, fallback?: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    const byDefault = fallback ?? defaultOf<boolean>(name, 'boolean');
    if (value === undefined) return byDefault;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    this.fail(name, `must be 1/0, true/false, yes/no or on/off, got ${quote(value)}`);
    return byDefault;
  }

  list(name: ConfigVariableName): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

function parseOrigins(env: EnvReader): string[] | '*' {
  const name = 'WS_CORS_ORIGIN';
  const list = env.list(name) ?? [defaultOf<string>(name, 'string')];
  if (list.length === 1 && list[0] === '*') return '*';
  const origins: string[] = [];
  for (const entry of list) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== entry.replace(/\/$/, '')) {
      env.fail(
        name,
        `must be "*" or a comma-separated list of origins like https://app.example.com, got ${quote(entry)}`,
      );
      continue;
    }
    origins.push(url.origin);
  }
  return origins;
}

/**
 * The host (and port, when a `:` announces one) of a `scheme://[user@]host[:port]` address, or the reason it
 * has none: `new URL('redis://127.0.0.1:')` silently means port 6379, and an empty host means localhost.
 */
export function missingHostOrPort(address: string): string | null {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(address)?.[1];
  if (authority === undefined) return null;
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
  const host = hostPort?.[1] ?? '';
  const port = hostPort?.[2];
  if (host === '' || host === '[]') return 'has an empty host';
  if (port === '') return 'has an empty port after ":"';
  return null;
}

function parseRedisUrl(env: EnvReader): string | null {
  const value = env.raw('REDIS_URL');
  if (value === undefined) return null;
  if (!/^rediss?:\/\//i.test(value)) {
    env.fail('REDIS_URL', 'must be a redis:// or rediss:// URL (or empty for a single node without Redis)');
    return null;
  }
  const missing = missingHostOrPort(value);
  if (missing !== null) {
    env.fail('REDIS_URL', `${missing}: write the host and port in full, e.g. redis://127.0.0.1:6379`);
    return null;
  }
  try {
    new URL(value);
  } catch {
    env.fail('REDIS_URL', 'is not a valid URL');
    return null;
  }
  return value;
}

function parseTls(env: EnvReader): TlsConfig | null {
  const certFile = env.raw('WS_TLS_CERT_FILE');
  const keyFile = env.raw('WS_TLS_KEY_FILE');
  const caFile = env.raw('WS_TLS_CA_FILE');
  const passphrase = env.raw('WS_TLS_KEY_PASSPHRASE');
  if (certFile === undefined && keyFile === undefined) {
    if (caFile !== undefined) env.fail('WS_TLS_CA_FILE', 'needs WS_TLS_CERT_FILE and WS_TLS_KEY_FILE');
    if (passphrase !== undefined) env.fail('WS_TLS_KEY_PASSPHRASE', 'needs WS_TLS_CERT_FILE and WS_TLS_KEY_FILE');
    return null;
  }
  if (certFile === undefined) env.fail('WS_TLS_CERT_FILE', 'must be set with WS_TLS_KEY_FILE (a PEM certificate file)');
  if (keyFile === undefined) env.fail('WS_TLS_KEY_FILE', 'must be set with WS_TLS_CERT_FILE (a PEM private key file)');
  if (certFile === undefined || keyFile === undefined) return null;
  return {
    certFile,
    keyFile,
    ...(caFile !== undefined ? { caFile } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
  };
}

/** `host:port,host:port` (IPv6 as `[::1]:6379`); an empty host or port is refused, never defaulted. */
function parseHostPorts(env: EnvReader, name: 'REDIS_CLUSTER_NODES' | 'REDIS_SENTINELS'): HostPort[] | undefined {
  const list = env.list(name);
  if (list === undefined) return undefined;
  const out: HostPort[] = [];
  for (const entry of list) {
    const m = /^(\[[^\]]+\]|[^:[\]]+):(\d+)$/.exec(entry);
    const port = Number(m?.[2]);
    if (!m || !Number.isInteger(port) || port < 1 || port > 65_535) {
      env.fail(
        name,
        `must be a comma-separated list of host:port with both parts, e.g. 10.0.0.1:6379; got ${quote(entry)}`,
      );
      continue;
    }
    out.push({ host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port });
  }
  if (out.length === 0 && !env.issues.some((i) => i.variable === name)) env.fail(name, 'lists no host:port');
  return out;
}

function parseRedis(env: EnvReader, url: string | null): RedisConfig | null {
  const nodes = parseHostPorts(env, 'REDIS_CLUSTER_NODES');
  const sentinels = parseHostPorts(env, 'REDIS_SENTINELS');
  const name = env.raw('REDIS_SENTINEL_NAME');
  const given = [url !== null || env.raw('REDIS_URL') !== undefined, nodes !== undefined, sentinels !== undefined];
  if (given.filter(Boolean).length > 1) {
    env.fail('REDIS_URL', 'set only one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS');
    return null;
  }
  if (sentinels !== undefined && name === undefined) {
    env.fail('REDIS_SENTINEL_NAME', 'must name the master the Sentinels monitor (`sentinel monitor <name> ...`)');
  }
  if (name !== undefined && sentinels === undefined) env.fail('REDIS_SENTINEL_NAME', 'needs REDIS_SENTINELS');
  let target: RedisTarget | null = null;
  if (url !== null) target = { kind: 'url', url };
  else if (nodes !== undefined) target = { kind: 'cluster', nodes };
  else if (sentinels !== undefined && name !== undefined) target = { kind: 'sentinel', sentinels, name };
  const username = env.raw('REDIS_USERNAME');
  const password = env.raw('REDIS_PASSWORD');
  const sentinelPassword = env.raw('REDIS_SENTINEL_PASSWORD');
  const tls = env.bool('REDIS_TLS') || (url?.startsWith('rediss:') ?? false);
  if (target === null) return null;
  return {
    target,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
    tls,
  };
}

function parseJwt(env: EnvReader, production: boolean): JwtConfig {
  const jwt: JwtConfig = {};
  const secret = env.raw('WS_JWT_SECRET');
  if (secret !== undefined) {
    if (secret.length < 32) env.fail('WS_JWT_SECRET', 'must be at least 32 characters (e.g. `openssl rand -hex 32`)');
    else jwt.secret = secret;
  }
  const publicKey = env.raw('WS_JWT_PUBLIC_KEY');
  if (publicKey !== undefined) {
    // Environments often carry PEM with literal "\n".
    const pem = publicKey.replace(/\\n/g, '\n');
    if (!/-----BEGIN (RSA )?PUBLIC KEY-----[\s\S]+-----END (RSA )?PUBLIC KEY-----/.test(pem)) {
      env.fail('WS_JWT_PUBLIC_KEY', 'must be a PEM public key (-----BEGIN PUBLIC KEY----- ...)');
    } else jwt.publicKey = pem;
  }
  const jwksUrl = env.raw('WS_JWT_JWKS_URL');
  if (jwksUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(jwksUrl);
    } catch {
      url = undefined;
    }
    const local = url !== undefined && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && (local || !production)))) {
      env.fail('WS_JWT_JWKS_URL', 'must be an https:// URL (http:// only for localhost or outside production)');
    } else jwt.jwksUrl = url.href;
  }
  const configured = [jwt.secret, jwt.publicKey, jwt.jwksUrl].filter((v) => v !== undefined).length;
  if (configured > 1) {
    env.fail('WS_JWT_SECRET', 'set only one of WS_JWT_SECRET, WS_JWT_PUBLIC_KEY and WS_JWT_JWKS_URL');
  }
  const algorithms = env.list('WS_JWT_ALGORITHMS');
  if (algorithms !== undefined) {
    const allowed = [
      'HS256',
      'HS384',
      'HS512',
      'RS256',
      'RS384',
      'RS512',
      'PS256',
      'PS384',
      'PS512',
      'ES256',
      'ES384',
      'ES512',
      'EdDSA',
    ];
    const bad = algorithms.filter((a) => !allowed.includes(a));
    if (bad.length > 0 || algorithms.length === 0) {
      env.fail(
        'WS_JWT_ALGORITHMS',
        `must be a comma-separated list of ${allowed.join(', ')}; got ${quote(bad.join(','))}`,
      );
    } else jwt.algorithms = algorithms;
  }
  const issuer = env.raw('WS_JWT_ISSUER');
  if (issuer !== undefined) jwt.issuer = issuer;
  const audience = env.list('WS_JWT_AUDIENCE');
  if (audience !== undefined && audience.length > 0) jwt.audience = audience;
  return jwt;
}

const POINTS_VARIABLES: Record<NamespaceName, ConfigVariableName> = {
  '/prices': 'WS_RATE_LIMIT_POINTS_PRICES',
  '/market': 'WS_RATE_LIMIT_POINTS_MARKET',
  '/user': 'WS_RATE_LIMIT_POINTS_USER',
  '/admin': 'WS_RATE_LIMIT_POINTS_ADMIN',
};

/**
 * The seed's table gives `/prices` and `/market` 100, `/user` 50 and `/admin` 200 events per second, and its
 * env example sets `WS_RATE_LIMIT_POINTS=100`: the single variable is the public namespaces' figure and the
 * others keep their proportion to it (so 100 is exactly the table), unless a namespace has its own variable.
 */
function rateLimitPoints(env: EnvReader): Record<NamespaceName, number> {
  const defaults = defaultServerOptions.rateLimit.namespaces;
  const base = env.optionalInt('WS_RATE_LIMIT_POINTS', 1, 1_000_000);
  const points = {} as Record<NamespaceName, number>;
  for (const [ns, variable] of Object.entries(POINTS_VARIABLES) as [NamespaceName, ConfigVariableName][]) {
    const derived =
      base === undefined
        ? defaults[ns].points
        : Math.max(1, Math.round((base * defaults[ns].points) / defaults['/prices'].points));
    points[ns] = env.optionalInt(variable, 1, 1_000_000) ?? derived;
  }
  return points;
}

function parseSymbols(env: EnvReader): string[] {
  const list = env.list('WS_SYMBOLS');
  if (list === undefined) return [...DEFAULT_SYMBOLS];
  const bad = list.filter((s) => !isMarketSymbol(s));
  if (bad.length > 0 || list.length === 0) {
    env.fail(
      'WS_SYMBOLS',
      `must be a comma-separated list of BASE/QUOTE symbols like BTC/USDT; bad: ${quote(bad.join(','))}`,
    );
    return [...DEFAULT_SYMBOLS];
  }
  return [...new Set(list)];
}

/**
 * Reads and validates the gateway's configuration from the environment.
 * Throws a ConfigError naming every bad variable; never starts half-configured.
 */
export function loadConfig(envVars: Env = process.env): GatewayConfig {
  const env = new EnvReader(envVars);
  const production = env.raw('NODE_ENV') === 'production';

  const port = env.int('WS_PORT', 0, 65_535);
  const host = env.string('WS_HOST');
  const tls = parseTls(env);
  const nodeId = env.raw('WS_NODE_ID') ?? `gw-${process.pid}`;
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(nodeId)) env.fail('WS_NODE_ID', 'must be 1-64 characters of A-Z a-z 0-9 _ . : -');
  const trustProxy = env.bool('WS_TRUST_PROXY');
  const corsOrigin = parseOrigins(env);
  const pingIntervalMs = env.int('WS_PING_INTERVAL', 1_000, 300_000);
  const pingTimeoutMs = env.int('WS_PING_TIMEOUT', 500, 300_000);
  const maxHttpBufferSize = env.int('WS_MAX_HTTP_BUFFER_SIZE', 1024, 16 * 1024 * 1024);
  const redisUrl = parseRedisUrl(env);
  const redis = parseRedis(env, redisUrl);
  const redisPrefix = env.string('REDIS_PREFIX');
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(redisPrefix))
    env.fail('REDIS_PREFIX', 'must be 1-64 characters of A-Z a-z 0-9 _ . : -');

  const clusterBusLingerMs = env.int('WS_CLUSTER_BUS_LINGER_MS', 0, 3_600_000);
  const readyRequiresRedis = env.bool('WS_READY_REQUIRES_REDIS');

  const rateLimit: RateLimitConfig = {
    points: rateLimitPoints(env),
    durationSec: env.int('WS_RATE_LIMIT_DURATION', 1, 3600),
    blockDurationSec: env.int('WS_RATE_LIMIT_BLOCK', 0, 86_400),
    handshakePoints: env.int('WS_HANDSHAKE_RATE_LIMIT_POINTS', 1, 1_000_000),
    handshakeDurationSec: env.int('WS_HANDSHAKE_RATE_LIMIT_DURATION', 1, 3600),
  };
  const limits = {
    maxSymbolsPerConnection: env.int('WS_MAX_SYMBOLS_PER_CONNECTION', 1, 1000),
    maxChannelsPerUser: env.int('WS_MAX_CHANNELS_PER_USER', 1, 100_000),
    maxRoomsPerConnection: env.int('WS_MAX_ROOMS_PER_CONNECTION', 1, 1000),
  };

  const connectionCaps = {
    maxPerIp: env.int('WS_MAX_CONNECTIONS_PER_IP', 0, 10_000_000),
    maxPerUser: env.int('WS_MAX_CONNECTIONS_PER_USER', 0, 10_000_000),
  };

  const jwt = parseJwt(env, production);
  const needsDevSecret = jwt.secret === undefined && jwt.publicKey === undefined && jwt.jwksUrl === undefined;
  if (needsDevSecret && production && !env.issues.some((i) => i.variable.startsWith('WS_JWT_'))) {
    env.fail(
      'WS_JWT_SECRET',
      'NODE_ENV=production needs real JWT configuration: set WS_JWT_SECRET, WS_JWT_PUBLIC_KEY or WS_JWT_JWKS_URL',
    );
  }
  const devSecretFile = env.string('WS_DEV_SECRET_FILE');

  const symbols = parseSymbols(env);
  const demo = {
    enabled: env.bool('WS_DEMO_FEED', !production),
    intervalMs: env.int('WS_DEMO_FEED_INTERVAL_MS', 10, 60_000),
    snapshotIntervalMs: env.int('WS_DEMO_SNAPSHOT_INTERVAL_MS', 100, 3_600_000),
  };

  const adminConsole = env.bool('WS_ADMIN_CONSOLE', !production);

  const level = env.string('LOG_LEVEL').toLowerCase();
  let logLevel: LogLevel = 'info';
  if ((LOG_LEVELS as readonly string[]).includes(level)) logLevel = level as LogLevel;
  else env.fail('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got ${quote(level)}`);

  const shutdownDeadlineMs = env.int('WS_SHUTDOWN_DEADLINE_MS', 0, 600_000);
  const drainDelayMs = env.int('WS_SHUTDOWN_DRAIN_DELAY_MS', 0, 300_000);
  const adminStatsIntervalMs = env.int('WS_ADMIN_STATS_INTERVAL_MS', 100, 3_600_000);
  const alerts: GatewayConfig['alerts'] = {
    connections: env.int('WS_ALERT_CONNECTIONS', 0, 10_000_000),
    errorRatePerSec: env.int('WS_ALERT_ERROR_RATE', 0, 1_000_000),
    eventLoopLagMs: env.int('WS_ALERT_EVENT_LOOP_LAG_MS', 0, 600_000),
  };
  const recoveryWindowMs = env.int('WS_RECOVERY_WINDOW', 1, 86_400) * 1000;
  const slowConsumerTimeoutMs = env.int('WS_SLOW_CONSUMER_TIMEOUT_MS', 100, 3_600_000);
  const overloadTurnBudgetMs = env.int('WS_OVERLOAD_TURN_BUDGET_MS', 0, 10_000);
  const overloadLoopUtilizationPct = env.int('WS_OVERLOAD_LOOP_UTILIZATION_PCT', 0, 100);
  const publish = {
    maxBodyBytes: env.int('WS_PUBLISH_MAX_BYTES', 1024, 64 * 1024 * 1024),
    maxItems: env.int('WS_PUBLISH_MAX_ITEMS', 1, 1000),
    redisTimeoutMs: env.int('WS_PUBLISH_REDIS_TIMEOUT_MS', 1, 60_000),
  };

  const http = {
    headersTimeoutMs: env.int('WS_HTTP_HEADERS_TIMEOUT_MS', 100, 600_000),
    requestTimeoutMs: env.int('WS_HTTP_REQUEST_TIMEOUT_MS', 100, 600_000),
  };
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    env.fail('WS_HTTP_HEADERS_TIMEOUT_MS', `must not exceed WS_HTTP_REQUEST_TIMEOUT_MS (${http.requestTimeoutMs})`);
  }

  if (env.issues.length > 0) throw new ConfigError(env.issues);
  return {
    production,
    port,
    host,
    tls,
    nodeId,
    trustProxy,
    corsOrigin,
    pingIntervalMs,
    pingTimeoutMs,
    maxHttpBufferSize,
    redisUrl,
    redis,
    redisPrefix,
    clusterBusLingerMs,
    readyRequiresRedis,
    rateLimit,
    limits,
    connectionCaps,
    jwt,
    needsDevSecret,
    devSecretFile,
    symbols,
    demo,
    adminConsole,
    logLevel,
    shutdownDeadlineMs,
    drainDelayMs,
    adminStatsIntervalMs,
    alerts,
    publish,
    http,
    recoveryWindowMs,
    slowConsumerTimeoutMs,
    overloadTurnBudgetMs,
    overloadLoopUtilizationPct,
  };
}
