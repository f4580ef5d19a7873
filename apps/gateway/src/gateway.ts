import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { consoleAssetsDir } from '@ws/console';
import { WebSocketMetrics } from '@ws/metrics';
import { NAMESPACE_NAMES, type NamespaceName } from '@ws/protocol';
import { AuthMiddleware, isWsError, RateLimitMiddleware, redisKey, WebSocketServer } from '@ws/server';
import type { Socket } from 'socket.io';
import type { GatewayConfig, JwtConfig } from './config.js';
import { CONSOLE_PATH, createConsoleAssets } from './console-assets.js';
import { MarketSimulator } from './demo/market-simulator.js';
import { UserActivitySimulator } from './demo/user-activity-simulator.js';
import { createHttpApi } from './http-api.js';
import { createLogger, type GatewayLogger } from './logger.js';
import { Readiness } from './readiness.js';
import { createRedisClients, type RedisClients } from './redis-clients.js';
import { asConfigError } from './server-option-error.js';
import { readTlsCredentials } from './tls-credentials.js';
import { cacheVerifiedTokens } from './verified-token-cache.js';

export interface GatewayOptions {
  /** Defaults to a pino logger at the configured level. */
  logger?: GatewayLogger;
  /** The development HS256 secret, required when the configuration has no JWT settings. */
  devSecret?: string;
  /** The operations console's files; defaults to the build output of `@ws/console`. */
  consoleDir?: string;
}

export interface Gateway {
  /** Listens on the configured port (0 picks a free one) and starts the demo feed. */
  start(): Promise<{ port: number }>;
  /** Readiness 503, graceful close of every socket within the shutdown deadline, then everything else. */
  stop(): Promise<void>;
  readonly server: WebSocketServer;
  readonly readiness: Readiness;
  readonly http: HttpServer;
  /**
   * Reads the `WS_TLS_*` files again and serves them to new connections; open connections keep theirs.
   * A file that cannot be used is refused (logged, returns false) and the current certificate stays.
   */
  reloadTls(): boolean;
  /** `http://host:port` (`https://` with TLS) once started. */
  readonly url: string;
}

function jwtOptions(config: GatewayConfig, devSecret: string | undefined): JwtConfig {
  if (!config.needsDevSecret) return config.jwt;
  if (devSecret === undefined) throw new Error('no JWT configuration and no development secret');
  return { ...config.jwt, secret: devSecret };
}

/** Error codes of a publish that failed on the node's side rather than for what was published. */
const SERVER_SIDE_CODES: ReadonlySet<string> = new Set(['INTERNAL', 'UNAVAILABLE']);

/** Builds what `@ws/server` validates; an option it refuses is a `ConfigError` naming the variable that set it. */
function validated<T>(config: GatewayConfig, build: () => T): T {
  try {
    return build();
  } catch (err) {
    throw asConfigError(err, config);
  }
}

/** Composes `@ws/server`, `@ws/metrics`, the HTTP API and the demo market into one deployable service. */
export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  // Validated first, so a bad composition throws before any resource exists.
  const jwt = jwtOptions(config, options.devSecret);
  const auth = validated(config, () => new AuthMiddleware(jwt));
  const tls = config.tls ? readTlsCredentials(config.tls) : null;
  const logger = options.logger ?? createLogger({ level: config.logLevel, nodeId: config.nodeId });
  const readiness = new Readiness();
  const redis: RedisClients | null = config.redis ? createRedisClients(config.redis, logger) : null;
  // A Redis outage hits every node at once: by default it degrades readiness rather than emptying the pool.
  if (redis) readiness.addCheck('redis', () => redis.problem(), { required: config.readyRequiresRedis });

  const metrics = new WebSocketMetrics({ nodeId: config.nodeId, collectDefaultMetrics: true });
  const { rateLimit: rl } = config;
  const namespaces = Object.fromEntries(
    Object.entries(rl.points).map(([ns, points]) => [ns, { points, durationSec: rl.durationSec }]),
  ) as Record<NamespaceName, { points: number; durationSec: number }>;
  const rateLimit = validated(
    config,
    () =>
      new RateLimitMiddleware({
        namespaces,
        blockDurationSec: rl.blockDurationSec,
        handshake: { points: rl.handshakePoints, durationSec: rl.handshakeDurationSec },
        trustProxy: config.trustProxy,
        ...(redis ? { redis: redis.pub, keyPrefix: redisKey(config.redisPrefix, 'rl') } : {}),
      }),
  );
  const server = new WebSocketServer({
    nodeId: config.nodeId,
    symbols: config.symbols,
    limits: config.limits,
    connectionCaps: config.connectionCaps,
    trustProxy: config.trustProxy,
    corsOrigins: config.corsOrigin,
    maxHttpBufferSize: config.maxHttpBufferSize,
    pingIntervalMs: config.pingIntervalMs,
    pingTimeoutMs: config.pingTimeoutMs,
    admin: { statsIntervalMs: config.adminStatsIntervalMs, alerts: config.alerts },
    recovery: { windowMs: config.recoveryWindowMs },
    slowConsumer: { maxOverSoftMs: config.slowConsumerTimeoutMs },
    overloadTurnBudgetMs: config.overloadTurnBudgetMs,
    overloadMinLoopUtilization: config.overloadLoopUtilizationPct / 100,
    clusterPublishTimeoutMs: config.publish.redisTimeoutMs,
    clusterBusLingerMs: config.clusterBusLingerMs,
    shutdown: { deadlineMs: config.shutdownDeadlineMs },
    authMiddleware: auth,
    rateLimiter: rateLimit,
    metrics,
    logger: logger.child({ component: 'ws' }),
    ...(redis ? { redis: { pub: redis.pub, sub: redis.sub, prefix: config.redisPrefix } } : {}),
  });

  const adminConsole = createConsoleAssets({
    dir: options.consoleDir ?? consoleAssetsDir,
    enabled: config.adminConsole,
  });
  const serverOptions = { connectionsCheckingInterval: timeoutCheckInterval(config.http) };
  const handler = createHttpApi({
    readiness,
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.exportPrometheusMetrics() }),
    publish: async (items, receivedAt) => {
      try {
        await server.broadcast.publishBatch(items, { receivedAt });
      } catch (err) {
        // A publish the node could not carry out (not one it refused as invalid) is what the
        // WsPublishFailures alert of deploy/prometheus watches: ws_errors_total{namespace="none"}.
        const code = isWsError(err) ? err.code : 'INTERNAL';
        if (!isWsError(err) || SERVER_SIDE_CODES.has(code)) metrics.error(code);
        throw err;
      }
    },
    // Publishers send the same service token on every request: its signature is checked once a minute.
    verifyToken: cacheVerifiedTokens((token) => auth.verify(token)),
    logger: logger.child({ component: 'http' }),
    maxBodyBytes: config.publish.maxBodyBytes,
    maxItems: config.publish.maxItems,
    console: adminConsole,
  });
  // An HTTPS server is an HTTP server on TLS sockets: Socket.IO, the routes and the timeouts are the same.
  const http: HttpServer = tls
    ? (createHttpsServer({ ...serverOptions, ...tls }, handler) as HttpsServer as unknown as HttpServer)
    : createServer(serverOptions, handler);
  // Slow or idle HTTP clients (slowloris) must not hold sockets; upgraded WebSockets are no longer HTTP requests.
  http.requestTimeout = config.http.requestTimeoutMs;
  http.headersTimeout = config.http.headersTimeoutMs;

  let market: MarketSimulator | null = null;
  let users: UserActivitySimulator | null = null;

  /** The demo publishes through the initialized server's broadcast service, like any real service. */
  function startDemo(): void {
    if (!config.demo.enabled) return;
    const idPrefix = `demo-${config.nodeId}`;
    const simulator = new MarketSimulator({
      symbols: config.symbols,
      intervalMs: config.demo.intervalMs,
      snapshotIntervalMs: config.demo.snapshotIntervalMs,
      broadcast: server.broadcast,
      logger: logger.child({ component: 'demo-market' }),
      idPrefix,
    });
    users = new UserActivitySimulator({
      symbols: config.symbols,
      intervalMs: config.demo.intervalMs * 4,
      broadcast: server.broadcast,
      activeUsers: () => connectedUsers(server),
      quote: (symbol) => simulator.quote(symbol),
      logger: logger.child({ component: 'demo-users' }),
      idPrefix,
    });
    market = simulator;
    market.start();
    users.start();
  }

  let url = '';
  let started: Promise<{ port: number }> | undefined;
  let stopped: Promise<void> | undefined;

  async function start(): Promise<{ port: number }> {
    await redis?.connect();
    await server.initialize(http).catch((err: unknown) => {
      throw asConfigError(err, config);
    });
    // Two lines per client are a cost in a reconnect storm: only at debug, and then with no work otherwise.
    if (config.logLevel === 'debug' || config.logLevel === 'trace') {
      logConnections(server, logger.child({ component: 'connections' }));
    }
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const { port } = http.address() as AddressInfo;
    url = `${tls ? 'https' : 'http'}://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
    const consoleStatus = adminConsole.status;
    if (consoleStatus.state === 'ready') logger.info({ path: CONSOLE_PATH }, 'admin console served');
    else if (consoleStatus.state === 'missing') {
      logger.warn(
        { path: CONSOLE_PATH, reason: consoleStatus.reason },
        'admin console not built: run `pnpm --filter @ws/console build`',
      );
    }
    startDemo();
    readiness.set('ready');
    return { port };
  }

  async function stop(): Promise<void> {
    readiness.set('draining');
    // A stop during start waits for it, so nothing it starts (demo timers) outlives the stop.
    if (started) await started.catch(() => undefined);
    if (config.drainDelayMs > 0 && started) {
      logger.info({ drainDelayMs: config.drainDelayMs }, 'readiness 503; waiting before closing connections');
      await new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
    }
    market?.stop();
    users?.stop();
    try {
      await server.close();
    } catch (err) {
      logger.error({ err }, 'websocket server close failed');
    }
    await new Promise<void>((resolve) => {
      if (!http.listening) return resolve();
      http.close(() => resolve());
      http.closeIdleConnections();
      // In-flight HTTP requests get a short grace; then the sockets are cut.
      setTimeout(() => http.closeAllConnections(), 1_000).unref();
    });
    auth.close();
    metrics.close();
    await redis?.quit();
  }

  function reloadTls(): boolean {
    if (!config.tls) return false;
    try {
      (http as unknown as HttpsServer).setSecureContext(readTlsCredentials(config.tls));
    } catch (err) {
      logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        'tls reload refused; serving the previous certificate',
      );
      return false;
    }
    logger.info({ certFile: config.tls.certFile }, 'tls reloaded');
    return true;
  }

  return {
    reloadTls,
    start: () => {
      started ??= start();
      return started;
    },
    stop: () => {
      stopped ??= stop();
      return stopped;
    },
    server,
    readiness,
    http,
    get url() {
      return url;
    },
  };
}

/**
 * Node enforces `headersTimeout` and `requestTimeout` only when it sweeps its connections (every 30 s by default),
 * so a client dribbling headers was held up to 30 s whatever the timeouts said: sweep often enough that a
 * timeout holds to within a quarter of itself (at most a second late; the sweep only visits requests in progress).
 */
function timeoutCheckInterval(timeouts: GatewayConfig['http']): number {
  return Math.max(25, Math.min(1_000, Math.floor(Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs) / 4)));
}

/** Distinct user ids with a `/user` connection on this node (read from the sockets: no per-tick copies). */
function connectedUsers(server: WebSocketServer): Set<string> {
  const ids = new Set<string>();
  for (const socket of server.io.of('/user').sockets.values()) {
    const userId = socket.data.userId;
    if (userId) ids.add(userId);
  }
  return ids;
}

/**
 * One structured `debug` line per connection and disconnection, keyed by socket id, for tracing a client's
 * session (refusals are `warn` lines of their own, at any level).
 * The disconnect listener is one function for all sockets (Socket.IO calls it with the socket as `this`),
 * not a closure and a copy of the fields per connection: the line is rebuilt from the socket when it closes.
 */
function logConnections(server: WebSocketServer, logger: GatewayLogger): void {
  const who = (socket: Socket) => ({
    socketId: socket.id,
    namespace: socket.nsp.name,
    userId: (socket.data as { userId?: string | null }).userId ?? null,
    ip: socket.handshake.address,
  });
  const onDisconnect = function (this: Socket, reason: string): void {
    logger.debug({ ...who(this), reason, durationMs: Date.now() - this.handshake.issued }, 'disconnected');
  };
  for (const namespace of NAMESPACE_NAMES) {
    server.io.of(namespace).on('connection', (socket) => {
      logger.debug(who(socket as unknown as Socket), 'connected');
      socket.on('disconnect', onDisconnect);
    });
  }
}
