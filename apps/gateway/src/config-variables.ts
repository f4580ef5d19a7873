import { DEFAULT_SYMBOLS } from '@ws/protocol';
import { defaultServerOptions as server, type WebSocketServerInit } from '@ws/server';

type ServerOption = keyof WebSocketServerInit & string;
/** A path in `WebSocketServerInit` as `WsConfigError.option` names it (`limits.maxChannelsPerUser`), typed to its first key. */
export type ServerOptionPath = ServerOption | `${ServerOption}.${string}` | `${ServerOption}[${string}`;

/** A value the parser falls back to when the variable is unset or empty. */
export type DefaultValue = string | number | boolean;

/** One environment variable of the gateway: its default and what it means, as the README table shows them. */
export interface ConfigVariable {
  /** The value used when the variable is unset; absent when unset means "none" or is computed. */
  readonly default?: DefaultValue;
  /** The README's default column when `default` is absent or not the whole story (computed, per namespace). */
  readonly defaultText?: string;
  /** The README's meaning column (Markdown). */
  readonly meaning: string;
  /** Read by a library rather than by `loadConfig` (listed so it is documented and not reported as unknown). */
  readonly readBy?: string;
  /**
   * The `@ws/server` options this variable sets (paths in `WebSocketServerInit`): a `WsConfigError` naming one
   * of them is reported as this variable.
   */
  readonly options?: readonly ServerOptionPath[];
}

const { limits, connectionCaps: caps, rateLimit } = server;
const { alerts } = server.admin;

/** One list for the library and the gateway: `@ws/protocol`'s. */
export { DEFAULT_SYMBOLS };

const perNamespacePoints = Object.entries(rateLimit.namespaces)
  .map(([ns, limit]) => `\`${ns}\` ${limit.points}`)
  .join(', ');

/**
 * Every environment variable the gateway reads, in the README's order: the one place a default is defined.
 * `loadConfig` reads only names listed here (its reader is typed by them), the README's configuration table
 * is generated from here (`pnpm docs:config`, checked by a test), and a `WS_*`/`REDIS_*` variable not listed
 * here is reported at start with the closest listed name. To add a variable: add its entry here (with the
 * `@ws/server` options it sets, if any), read it in config.ts, run `pnpm docs:config`.
 */
export const CONFIG_VARIABLES = {
  NODE_ENV: {
    meaning: '`production` requires JWT configuration and turns the demo feed off by default',
  },
  WS_PORT: {
    default: 3000,
    meaning: 'HTTP and WebSocket port; `0` picks a free port (logged in the `listening` line)',
  },
  WS_HOST: { default: '0.0.0.0', meaning: 'interface to listen on' },
  WS_TLS_CERT_FILE: {
    meaning:
      'PEM certificate (chain) file: with `WS_TLS_KEY_FILE` the gateway serves HTTPS and `wss://` on `WS_PORT`; both files are read again on SIGHUP, without dropping connections',
  },
  WS_TLS_KEY_FILE: { meaning: 'PEM private key file of `WS_TLS_CERT_FILE`' },
  WS_TLS_CA_FILE: {
    meaning: 'optional PEM file of intermediate CA certificates, sent to complete the chain of `WS_TLS_CERT_FILE`',
  },
  WS_TLS_KEY_PASSPHRASE: { meaning: 'passphrase of an encrypted `WS_TLS_KEY_FILE`' },
  WS_NODE_ID: {
    options: ['nodeId'],
    defaultText: '`gw-<pid>`',
    meaning: "this node's name in logs, metrics (`ws_node_info`) and admin listings",
  },
  WS_CORS_ORIGIN: {
    options: ['corsOrigins'],
    default: 'http://localhost:3000',
    meaning:
      'comma-separated browser origins allowed to connect, or `*` (only if you mean it); enforced on WebSocket upgrades and polling handshakes, requests without `Origin` are allowed (see [Security](#security))',
  },
  WS_PING_INTERVAL: {
    options: ['pingIntervalMs'],
    default: server.pingIntervalMs,
    meaning: 'Engine.IO heartbeat interval, ms',
  },
  WS_PING_TIMEOUT: {
    options: ['pingTimeoutMs'],
    default: server.pingTimeoutMs,
    meaning: 'Engine.IO heartbeat timeout, ms (a silent connection is dropped after interval + timeout)',
  },
  WS_MAX_HTTP_BUFFER_SIZE: {
    options: ['maxHttpBufferSize'],
    default: server.maxHttpBufferSize,
    meaning: 'largest inbound frame in bytes; bigger frames close the connection',
  },
  REDIS_URL: {
    defaultText: 'empty',
    meaning:
      '`redis://` or `rediss://` URL with an explicit host (and port, if any). Empty or unset: one node, in-memory adapter and stores. Set: `@socket.io/redis-adapter` over ioredis and Redis-backed rate limits',
  },
  REDIS_CLUSTER_NODES: {
    meaning:
      'instead of `REDIS_URL`: seed nodes of a Redis Cluster, `host:port,host:port` (ioredis `Cluster`; the sharded adapter over `SSUBSCRIBE`)',
  },
  REDIS_SENTINELS: {
    meaning:
      'instead of `REDIS_URL`: Sentinels, `host:port,host:port`; the gateway asks them for the master `REDIS_SENTINEL_NAME` and follows it through a failover',
  },
  REDIS_SENTINEL_NAME: { meaning: 'the master name the Sentinels monitor (required with `REDIS_SENTINELS`)' },
  REDIS_SENTINEL_PASSWORD: {
    meaning: 'password of the Sentinels themselves (`requirepass` in sentinel.conf), when they have one',
  },
  REDIS_USERNAME: { meaning: "ACL user of the Redis nodes (any mode; overrides the URL's)" },
  REDIS_PASSWORD: { meaning: "password of the Redis nodes (any mode; overrides the URL's)" },
  REDIS_TLS: {
    default: false,
    meaning:
      "TLS to Redis (cluster nodes and Sentinels too); implied by `rediss://`. A private CA goes in Node's `NODE_EXTRA_CA_CERTS`",
  },
  REDIS_PREFIX: {
    options: ['redis.prefix'],
    default: 'ws:',
    meaning:
      'prefix of every Redis key and channel, joined with `:` and never doubled (`ws:` and `ws` both give `ws:{room}:seq`, `ws:{room}:bus`, `ws:adapter#…`, `ws:rl:…`, `ws:user-channels:…`)',
  },
  WS_CLUSTER_BUS_LINGER_MS: {
    options: ['clusterBusLingerMs'],
    default: server.clusterBusLingerMs,
    meaning:
      "with Redis: how long (ms) a node stays subscribed to a room's bus channel (`SSUBSCRIBE <prefix>:{room}:bus`) after its last local member left, so clients that leave and come back cost no SUBSCRIBE/UNSUBSCRIBE; `0` unsubscribes at once",
  },
  WS_READY_REQUIRES_REDIS: {
    default: false,
    meaning:
      '`1`: `/readyz` answers 503 while the configured Redis is unreachable. By default it answers 200 `{"status":"degraded","reason"}` (and `ws_redis_up` is 0): an outage of the shared Redis would otherwise take every node out of rotation at once (see [Readiness and Redis](apps/gateway/README.md#readiness-and-redis))',
  },
  WS_RATE_LIMIT_POINTS: {
    defaultText: `\`${rateLimit.namespaces['/prices'].points}\``,
    meaning: `inbound events per connection per window on the public namespaces; \`/user\` gets half of it and \`/admin\` twice (the defaults: ${perNamespacePoints}), unless set per namespace below`,
  },
  WS_RATE_LIMIT_POINTS_PRICES: {
    options: ["rateLimit.namespaces['/prices'].points"],
    defaultText: '`WS_RATE_LIMIT_POINTS`',
    meaning: 'inbound events per connection per window on `/prices`',
  },
  WS_RATE_LIMIT_POINTS_MARKET: {
    options: ["rateLimit.namespaces['/market'].points"],
    defaultText: '`WS_RATE_LIMIT_POINTS`',
    meaning: 'the same on `/market`',
  },
  WS_RATE_LIMIT_POINTS_USER: {
    options: ["rateLimit.namespaces['/user'].points"],
    defaultText: 'half of `WS_RATE_LIMIT_POINTS`',
    meaning: 'the same on `/user`',
  },
  WS_RATE_LIMIT_POINTS_ADMIN: {
    options: ["rateLimit.namespaces['/admin'].points"],
    defaultText: 'twice `WS_RATE_LIMIT_POINTS`',
    meaning: 'the same on `/admin`',
  },
  WS_RATE_LIMIT_DURATION: {
    options: [
      "rateLimit.namespaces['/prices'].durationSec",
      "rateLimit.namespaces['/market'].durationSec",
      "rateLimit.namespaces['/user'].durationSec",
      "rateLimit.namespaces['/admin'].durationSec",
    ],
    default: rateLimit.namespaces['/prices'].durationSec,
    meaning: 'rate-limit window, seconds',
  },
  WS_RATE_LIMIT_BLOCK: {
    options: ['rateLimit.blockDurationSec'],
    default: rateLimit.blockDurationSec,
    meaning: 'how long a connection over its limit stays blocked, seconds',
  },
  WS_HANDSHAKE_RATE_LIMIT_POINTS: {
    options: ['rateLimit.handshake.points'],
    default: rateLimit.handshake.points,
    meaning: 'connections per client IP per handshake window (generous: offices share a NAT)',
  },
  WS_HANDSHAKE_RATE_LIMIT_DURATION: {
    options: ['rateLimit.handshake.durationSec'],
    default: rateLimit.handshake.durationSec,
    meaning: 'handshake window, seconds',
  },
  WS_TRUST_PROXY: {
    options: ['trustProxy'],
    default: false,
    meaning:
      'take the client IP from `X-Forwarded-For` (for the handshake limit, the per-IP cap and the logs); set it only behind your own proxy (the compose file does)',
  },
  WS_MAX_CONNECTIONS_PER_IP: {
    options: ['connectionCaps.maxPerIp'],
    default: caps.maxPerIp,
    meaning:
      'concurrent connections per client IP (one per client, whatever namespaces it multiplexes), cluster-wide with `REDIS_URL`; `0` = no cap',
  },
  WS_MAX_CONNECTIONS_PER_USER: {
    options: ['connectionCaps.maxPerUser'],
    default: caps.maxPerUser,
    meaning: 'concurrent connections per authenticated user, cluster-wide with `REDIS_URL`; `0` = no cap',
  },
  WS_MAX_SYMBOLS_PER_CONNECTION: {
    options: ['limits.maxSymbolsPerConnection'],
    default: limits.maxSymbolsPerConnection,
    meaning:
      'distinct symbols per connection (`/prices`, `/market`); the limit an anonymous `/prices` connection meets',
  },
  WS_MAX_CHANNELS_PER_USER: {
    options: ['limits.maxChannelsPerUser'],
    default: limits.maxChannelsPerUser,
    meaning:
      'rooms of one authenticated user across all their connections, namespaces and nodes; anonymous connections are not counted',
  },
  WS_MAX_ROOMS_PER_CONNECTION: {
    options: ['limits.maxRoomsPerConnection'],
    default: limits.maxRoomsPerConnection,
    meaning:
      'channel × symbol rooms per `/market` connection (the seed\'s "rooms per namespace"; on `/prices` a room is a symbol, bounded by `WS_MAX_SYMBOLS_PER_CONNECTION`)',
  },
  WS_JWT_SECRET: { options: ['auth.secret'], meaning: 'HS256 secret, at least 32 characters (`openssl rand -hex 32`)' },
  WS_JWT_PUBLIC_KEY: {
    options: ['auth.publicKey'],
    meaning: 'PEM public key for RS256/ES256 tokens (literal `\\n` are accepted)',
  },
  WS_JWT_JWKS_URL: {
    options: ['auth.jwksUrl'],
    meaning: 'JWKS URL (https; http only for localhost or outside production), cached',
  },
  WS_JWT_ALGORITHMS: {
    options: ['auth.algorithms'],
    defaultText: 'from the key kind',
    meaning: 'explicit allow-list, e.g. `RS256`; `none` is never accepted',
  },
  WS_JWT_ISSUER: { options: ['auth.issuer'], meaning: 'required `iss`' },
  WS_JWT_AUDIENCE: { options: ['auth.audience'], meaning: 'required `aud` (comma-separated for several)' },
  WS_DEV_SECRET_FILE: {
    default: '.dev-secret',
    meaning: 'where the development secret is kept (only without JWT configuration, outside production)',
  },
  WS_SYMBOLS: {
    options: ['symbols'],
    default: DEFAULT_SYMBOLS.join(','),
    meaning: 'the symbols clients may subscribe to and services may publish for',
  },
  WS_DEMO_FEED: {
    defaultText: '`1`, `0` in production',
    meaning: 'run the demo market (`1/0`, `true/false`, `on/off`)',
  },
  WS_DEMO_FEED_INTERVAL_MS: { default: 250, meaning: 'demo market tick; user activity runs every 4 ticks' },
  WS_DEMO_SNAPSHOT_INTERVAL_MS: {
    default: 30_000,
    meaning: 'how often the demo re-publishes every book as a full depth snapshot',
  },
  WS_ADMIN_STATS_INTERVAL_MS: {
    options: ['admin.statsIntervalMs'],
    default: server.admin.statsIntervalMs,
    meaning: 'period of `admin.stats` on `/admin`',
  },
  WS_ALERT_CONNECTIONS: {
    options: ['admin.alerts.connections'],
    default: alerts.connections,
    meaning:
      "`admin.alert` when this node's open connections go above it (and once when back below); the alerts still firing ride in every `admin.stats` and `node.status`",
  },
  WS_ALERT_ERROR_RATE: {
    options: ['admin.alerts.errorRatePerSec'],
    default: alerts.errorRatePerSec,
    meaning: 'the same for errors per second (over the metrics window)',
  },
  WS_ALERT_EVENT_LOOP_LAG_MS: {
    options: ['admin.alerts.eventLoopLagMs'],
    default: alerts.eventLoopLagMs,
    meaning: 'the same for the p99 event-loop lag, ms',
  },
  WS_ADMIN_CONSOLE: {
    defaultText: '`1`, `0` in production',
    meaning:
      "serve the web operations console at `/admin/console` (same origin, strict CSP; log in with an admin token; the gateway's own origin must be in `WS_CORS_ORIGIN`)",
  },
  WS_RECOVERY_WINDOW: {
    options: ['recovery.windowMs'],
    default: server.recovery.windowMs / 1000,
    meaning:
      'seconds `/user` events stay replayable after a disconnect (clients reconnect with `auth.since`; history in Redis Streams with `REDIS_URL`, in memory without)',
  },
  WS_SLOW_CONSUMER_TIMEOUT_MS: {
    options: ['slowConsumer.maxOverSoftMs'],
    default: server.slowConsumer.maxOverSoftMs,
    meaning:
      'how long a connection may stay over the slow-consumer soft mark (1 MiB queued) before it is disconnected with `SLOW_CONSUMER` and counted in `ws_errors_total{code="SLOW_CONSUMER"}`: a reader that stopped reading, which conflation alone keeps under the hard mark',
  },
  WS_OVERLOAD_TURN_BUDGET_MS: {
    options: ['overloadTurnBudgetMs'],
    default: server.overloadTurnBudgetMs,
    meaning:
      "time (ms, confirmed as CPU time) one event-loop turn may spend fanning out before the rest of the turn's `price.update`, `market.ticker` and `market.stats` are conflated per symbol (newest wins) so latency stays bounded under overload; trades, depth and `/user` are never conflated; `0` turns it off",
  },
  WS_OVERLOAD_LOOP_UTILIZATION_PCT: {
    options: ['overloadMinLoopUtilization'],
    default: Math.round(server.overloadMinLoopUtilization * 100),
    meaning:
      'conflation also needs the event loop to have been busy at least this share of the last ~100 ms, so a burst on a node with headroom is delivered whole; `0` conflates on the turn budget alone',
  },
  WS_PUBLISH_MAX_BYTES: { default: 1024 * 1024, meaning: 'largest `POST /api/v1/publish` body (413 above)' },
  WS_PUBLISH_MAX_ITEMS: { default: 1000, meaning: 'most events in one publish request (413 above; at most 1000)' },
  WS_PUBLISH_REDIS_TIMEOUT_MS: {
    options: ['clusterPublishTimeoutMs'],
    default: server.clusterPublishTimeoutMs,
    meaning:
      'with `REDIS_URL`: how long a publish waits for Redis before answering 503 `UNAVAILABLE` with `Retry-After`; a private event is refused at once while Redis is disconnected, and nothing of the request is sent',
  },
  WS_HTTP_HEADERS_TIMEOUT_MS: {
    default: 10_000,
    meaning:
      "how long an HTTP request's headers may take to arrive (Engine.IO handshakes included); a client dribbling them is answered 408 and cut",
  },
  WS_HTTP_REQUEST_TIMEOUT_MS: {
    default: 30_000,
    meaning: 'how long a whole HTTP request may take to arrive; at least `WS_HTTP_HEADERS_TIMEOUT_MS`',
  },
  WS_SHUTDOWN_DRAIN_DELAY_MS: {
    default: 0,
    meaning:
      'after SIGTERM, how long `/readyz` answers 503 while the node still serves, so load balancers stop routing to it first (e.g. `5000` on Kubernetes)',
  },
  WS_SHUTDOWN_DEADLINE_MS: {
    options: ['shutdown.deadlineMs'],
    default: server.shutdown.deadlineMs,
    meaning: 'graceful close deadline for all sockets',
  },
  LOG_LEVEL: {
    default: 'info',
    meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`',
  },
  DEBUG: {
    meaning: "`DEBUG=socket.io*` turns on Socket.IO's own debug output (stderr)",
    readBy: 'the debug module of Socket.IO',
  },
} as const satisfies Record<string, ConfigVariable>;

export type ConfigVariableName = keyof typeof CONFIG_VARIABLES;

/**
 * `WS_*` variables that the SDK examples and tools read (`pnpm ws:example`, the client's tests), not the
 * gateway: a shell that sets them for those is not misconfiguring the gateway.
 */
export const CLIENT_VARIABLES: readonly string[] = ['WS_URL', 'WS_TOKEN'];

/** The default of `name` as the parser uses it; throws (a bug in config.ts) when it has no default of that type. */
export function defaultOf<T extends DefaultValue>(name: ConfigVariableName, type: 'number' | 'string' | 'boolean'): T {
  const value = (CONFIG_VARIABLES[name] as ConfigVariable).default;
  if (typeof value !== type) throw new Error(`config-variables.ts: ${name} has no ${type} default`);
  return value as T;
}

/** The README's default column of one variable. */
export function defaultText(variable: ConfigVariable): string {
  if (variable.defaultText !== undefined) return variable.defaultText;
  const value = variable.default;
  if (value === undefined) return '—';
  if (typeof value === 'boolean') return value ? '`1`' : '`0`';
  return `\`${value}\``;
}
