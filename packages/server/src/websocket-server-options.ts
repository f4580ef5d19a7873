import { hostname } from 'node:os';
import { DEFAULT_SYMBOLS, isMarketSymbol } from '@ws/protocol';
import type { Cluster, Redis } from 'ioredis';
import type { AlertThresholds } from './admin/admin-alerts.js';
import type { AuthOptions } from './admission/auth-middleware.js';
import type { ConnectionCounter } from './admission/connection-counter.js';
import { defaultRateLimitOptions, type RateLimitOptions } from './admission/rate-limit-middleware.js';
import { defaultRefusalLogOptions, type RefusalLogOptions } from './admission/refusal-log.js';
import type { Clock } from './clock.js';
import type { AuthComponent, MetricsComponent, RateLimitComponent } from './component-contracts.js';
import type { SlowConsumerOptions } from './delivery/slow-consumer-guard.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import type { SequenceStore } from './state/sequence-store.js';
import type { SnapshotStore } from './state/snapshot-store.js';
import type { SubscriptionLimits } from './subscriptions/subscription-manager.js';
import { WsConfigError } from './ws-config-error.js';

export interface WebSocketServerOptions {
  /** Identifies this node in metrics, admin stats and connection listings. */
  nodeId: string;
  /**
   * Symbols clients may subscribe to and services may publish for. Default: `DEFAULT_SYMBOLS` of `@ws/protocol`
   * (BTC/USDT … DOT/USDT, the gateway's defaults); `[]` knows none. Logged at start.
   */
  symbols: string[];
  /** Accept publishes for symbols outside `symbols` (subscribing still needs a known symbol). */
  allowUnknownSymbols: boolean;
  /** Subscription limits. */
  limits: SubscriptionLimits;
  /**
   * Browser origins allowed to connect; `'*'` only when configured explicitly. Enforced at the Engine.IO request
   * of both transports (a WebSocket upgrade or polling handshake with another `Origin`, `null` included, is
   * refused with 403); requests without `Origin` (bots, servers) are allowed.
   */
  corsOrigins: string[] | '*';
  /**
   * Concurrent Engine.IO connections (one per client, whatever namespaces it multiplexes) per client IP and per
   * user, cluster-wide with `redis`; `0` turns a cap off. Refused with `LIMIT_EXCEEDED`. With Redis a node's counts
   * are trusted for `ttlMs` without its heartbeat, so a crashed node's connections stop counting within it.
   */
  connectionCaps: { maxPerIp: number; maxPerUser: number; ttlMs: number };
  /** A ready counter for the connection caps instead of the built-in memory or Redis one. */
  connectionCounter?: ConnectionCounter;
  /** Take the client IP from the last `X-Forwarded-For` entry (set by your own proxy) for the caps and logs. */
  trustProxy: boolean;
  /** How refusals are logged: a token bucket per code (`burst` lines, then `perSecond`), then a `suppressed` count. */
  refusalLog: Partial<RefusalLogOptions>;
  /** Largest inbound frame in bytes; bigger frames close the connection. */
  maxHttpBufferSize: number;
  /** Engine.IO heartbeat interval. */
  pingIntervalMs: number;
  /** Engine.IO heartbeat timeout. */
  pingTimeoutMs: number;
  /** Admin namespace: stats period and alert thresholds. */
  admin: { statsIntervalMs: number; alerts: AlertThresholds };
  /** Graceful shutdown: the deadline for `close()` and the spread of the clients' reconnect hint. */
  shutdown: { deadlineMs: number; reconnectJitterMs: number };
  /** Start in maintenance mode. */
  maintenance: { enabled: boolean; message?: string };
  /**
   * Redis clients; installs the Redis adapter and shares rate limits across nodes. ioredis `Cluster`
   * clients (Redis Cluster) install the sharded adapter (`SSUBSCRIBE`) instead.
   */
  redis?: { pub: Redis | Cluster; sub: Redis | Cluster; prefix?: string };
  /** JWT verification options; builds an `AuthMiddleware`. Without auth, `/user` and `/admin` refuse every connection. */
  auth?: AuthOptions;
  /** A ready auth component instead of `auth` (e.g. shared or customised). */
  authMiddleware?: AuthComponent;
  /** Inbound-event and handshake rate limits (defaults: the seed's); `false` turns rate limiting off. */
  rateLimit?: Partial<RateLimitOptions> | false;
  /** A ready rate limiter instead of `rateLimit`. */
  rateLimiter?: RateLimitComponent;
  /** Metrics sink. */
  metrics?: MetricsComponent;
  /** Structured logger (pino-compatible). */
  logger: Logger;
  /** Per-room sequence numbers. */
  sequenceStore?: SequenceStore;
  /** Latest message per room. */
  snapshotStore?: SnapshotStore;
  /**
   * Wall time and timers of token expiry, rate-limit windows, the `/user` recovery window and the bus linger (default the system
   * clock); a test passes a manual one and moves it instead of waiting.
   */
  clock?: Clock;
  /** `/user` replay after a reconnect (`auth.since`): how long and how many events per room stay replayable. */
  recovery: { windowMs: number; maxEvents: number };
  /** With `redis`: how long `broadcastDepth` waits for its message to come back from the bus. */
  clusterConfirmTimeoutMs: number;
  /**
   * With `redis`: how long a publish waits for Redis before it fails with `WsError` UNAVAILABLE (private
   * events also fail at once while Redis is not connected), so a publisher can tell an outage from a bug.
   */
  clusterPublishTimeoutMs: number;
  /**
   * With `redis`: how long (ms) a room's bus channel stays subscribed after this node's last member left it, so
   * clients that leave and come back (or churn through a room) cost no SUBSCRIBE/UNSUBSCRIBE; 0 drops at once.
   */
  clusterBusLingerMs: number;
  /** Bounds on bytes queued per connection (conflate over `softBytes`, disconnect over `hardBytes`); `false` turns it off. */
  slowConsumer: SlowConsumerOptions | false;
  /**
   * Time (ms) of fan-out per event-loop turn, confirmed as CPU time, after which latest-state broadcasts
   * (`price.update`, `market.ticker`, `market.stats`) of the rest of the turn are conflated per room; 0 turns
   * it off.
   */
  overloadTurnBudgetMs: number;
  /**
   * Event-loop utilization (0–1) over the last ~100 ms required as well before a turn over its budget
   * conflates, so a burst on a loop with headroom is delivered whole; 0 conflates on the budget alone.
   */
  overloadMinLoopUtilization: number;
}

export type WebSocketServerInit = Partial<
  Omit<WebSocketServerOptions, 'limits' | 'admin' | 'shutdown' | 'recovery' | 'slowConsumer' | 'connectionCaps'>
> & {
  connectionCaps?: Partial<WebSocketServerOptions['connectionCaps']>;
  slowConsumer?: Partial<SlowConsumerOptions> | false;
  recovery?: Partial<WebSocketServerOptions['recovery']>;
  limits?: Partial<SubscriptionLimits>;
  admin?: { statsIntervalMs?: number; alerts?: Partial<AlertThresholds> };
  shutdown?: Partial<WebSocketServerOptions['shutdown']>;
};

export const defaultSubscriptionLimits: SubscriptionLimits = Object.freeze({
  maxSymbolsPerConnection: 100,
  maxRoomsPerConnection: 20,
  maxChannelsPerUser: 50,
});

/** Generous: an office behind one NAT, a trader with many tabs and bots. */
export const defaultConnectionCaps: WebSocketServerOptions['connectionCaps'] = Object.freeze({
  maxPerIp: 1000,
  maxPerUser: 100,
  ttlMs: 60_000,
});

export const defaultAlertThresholds: AlertThresholds = Object.freeze({
  errorRatePerSec: 10,
  eventLoopLagMs: 200,
  connections: 50_000,
});

/**
 * The defaults of every tunable option, defined once (frozen): `resolveServerOptions` fills gaps from them and
 * the gateway's environment variables default to them. `rateLimit` is what `RateLimitMiddleware` defaults to.
 */
export const defaultServerOptions = Object.freeze({
  limits: defaultSubscriptionLimits,
  connectionCaps: defaultConnectionCaps,
  rateLimit: defaultRateLimitOptions,
  refusalLog: defaultRefusalLogOptions,
  maxHttpBufferSize: 64 * 1024,
  pingIntervalMs: 25_000,
  // Socket.IO's own default: a trader on a congested mobile link is not cut off after a few seconds of silence.
  pingTimeoutMs: 20_000,
  admin: Object.freeze({ statsIntervalMs: 5_000, alerts: defaultAlertThresholds }),
  shutdown: Object.freeze({ deadlineMs: 10_000, reconnectJitterMs: 5_000 }),
  recovery: Object.freeze({ windowMs: 120_000, maxEvents: 1000 }),
  clusterConfirmTimeoutMs: 5_000,
  clusterPublishTimeoutMs: 1_000,
  clusterBusLingerMs: 30_000,
  overloadTurnBudgetMs: 10,
  overloadMinLoopUtilization: 0.9,
  slowConsumer: Object.freeze({
    softBytes: 1024 * 1024,
    hardBytes: 8 * 1024 * 1024,
    checkIntervalMs: 250,
    maxOverSoftMs: 10_000,
  }),
});

/** Merges with the defaults and validates; throws a `WsConfigError` naming the bad option. */
export function resolveServerOptions(init: WebSocketServerInit = {}): WebSocketServerOptions {
  const options: WebSocketServerOptions = {
    ...init,
    nodeId: init.nodeId ?? `${hostname()}-${process.pid}`,
    symbols: init.symbols ?? [...DEFAULT_SYMBOLS],
    allowUnknownSymbols: init.allowUnknownSymbols ?? false,
    limits: { ...defaultSubscriptionLimits, ...init.limits },
    corsOrigins: init.corsOrigins ?? [],
    connectionCaps: { ...defaultConnectionCaps, ...init.connectionCaps },
    trustProxy: init.trustProxy ?? false,
    refusalLog: init.refusalLog ?? {},
    maxHttpBufferSize: init.maxHttpBufferSize ?? defaultServerOptions.maxHttpBufferSize,
    pingIntervalMs: init.pingIntervalMs ?? defaultServerOptions.pingIntervalMs,
    pingTimeoutMs: init.pingTimeoutMs ?? defaultServerOptions.pingTimeoutMs,
    admin: {
      statsIntervalMs: init.admin?.statsIntervalMs ?? defaultServerOptions.admin.statsIntervalMs,
      alerts: { ...defaultAlertThresholds, ...init.admin?.alerts },
    },
    shutdown: { ...defaultServerOptions.shutdown, ...init.shutdown },
    maintenance: init.maintenance ?? { enabled: false },
    logger: init.logger ?? silentLogger,
    recovery: { ...defaultServerOptions.recovery, ...init.recovery },
    clusterConfirmTimeoutMs: init.clusterConfirmTimeoutMs ?? defaultServerOptions.clusterConfirmTimeoutMs,
    clusterPublishTimeoutMs: init.clusterPublishTimeoutMs ?? defaultServerOptions.clusterPublishTimeoutMs,
    clusterBusLingerMs: init.clusterBusLingerMs ?? defaultServerOptions.clusterBusLingerMs,
    overloadTurnBudgetMs: init.overloadTurnBudgetMs ?? defaultServerOptions.overloadTurnBudgetMs,
    overloadMinLoopUtilization: init.overloadMinLoopUtilization ?? defaultServerOptions.overloadMinLoopUtilization,
    slowConsumer: init.slowConsumer === false ? false : { ...defaultServerOptions.slowConsumer, ...init.slowConsumer },
  };
  for (const symbol of options.symbols) {
    if (!isMarketSymbol(symbol)) throw new WsConfigError('symbols', `has an invalid symbol ${JSON.stringify(symbol)}`);
  }
  const positive: [string, number][] = [
    ['limits.maxSymbolsPerConnection', options.limits.maxSymbolsPerConnection],
    ['limits.maxRoomsPerConnection', options.limits.maxRoomsPerConnection],
    ['limits.maxChannelsPerUser', options.limits.maxChannelsPerUser],
    ['maxHttpBufferSize', options.maxHttpBufferSize],
    ['pingIntervalMs', options.pingIntervalMs],
    ['pingTimeoutMs', options.pingTimeoutMs],
    ['admin.statsIntervalMs', options.admin.statsIntervalMs],
    ['shutdown.deadlineMs', options.shutdown.deadlineMs],
    ['recovery.windowMs', options.recovery.windowMs],
    ['recovery.maxEvents', options.recovery.maxEvents],
    ['clusterConfirmTimeoutMs', options.clusterConfirmTimeoutMs],
    ['clusterPublishTimeoutMs', options.clusterPublishTimeoutMs],
    ...(options.slowConsumer
      ? ([
          ['slowConsumer.softBytes', options.slowConsumer.softBytes],
          ['slowConsumer.hardBytes', options.slowConsumer.hardBytes],
          ['slowConsumer.checkIntervalMs', options.slowConsumer.checkIntervalMs],
          ['slowConsumer.maxOverSoftMs', options.slowConsumer.maxOverSoftMs],
        ] as [string, number][])
      : []),
  ];
  for (const [name, value] of positive) {
    if (!Number.isInteger(value) || value <= 0) throw new WsConfigError(name, 'must be a positive integer');
  }
  if (!Number.isFinite(options.overloadTurnBudgetMs) || options.overloadTurnBudgetMs < 0) {
    throw new WsConfigError('overloadTurnBudgetMs', 'must be a non-negative number');
  }
  const utilization = options.overloadMinLoopUtilization;
  if (!Number.isFinite(utilization) || utilization < 0 || utilization > 1) {
    throw new WsConfigError('overloadMinLoopUtilization', 'must be a number from 0 to 1');
  }
  for (const [name, value] of Object.entries(options.connectionCaps)) {
    if (!Number.isInteger(value) || value < 0 || (name === 'ttlMs' && value < 30)) {
      const rule = name === 'ttlMs' ? 'an integer >= 30' : 'a non-negative integer (0 = no cap)';
      throw new WsConfigError(`connectionCaps.${name}`, `must be ${rule}`);
    }
  }
  if (!Number.isInteger(options.clusterBusLingerMs) || options.clusterBusLingerMs < 0) {
    throw new WsConfigError('clusterBusLingerMs', 'must be a non-negative integer');
  }
  if (!Number.isInteger(options.shutdown.reconnectJitterMs) || options.shutdown.reconnectJitterMs < 0) {
    throw new WsConfigError('shutdown.reconnectJitterMs', 'must be a non-negative integer');
  }
  if (options.corsOrigins !== '*' && !Array.isArray(options.corsOrigins)) {
    throw new WsConfigError('corsOrigins', "must be an array of origins or '*'");
  }
  return options;
}
