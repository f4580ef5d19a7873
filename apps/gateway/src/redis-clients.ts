import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from './config.js';
import type { GatewayLogger } from './logger.js';

export interface RedisClients {
  /** Commands and adapter publishes (also the rate-limit store). A `Cluster` with REDIS_CLUSTER_NODES. */
  pub: Redis | Cluster;
  /** The adapter's subscriber connection (subscriber mode allows no other commands). */
  sub: Redis | Cluster;
  /** `null` when both connections are ready, otherwise why not. */
  problem(): string | null;
  connect(): Promise<void>;
  quit(): Promise<void>;
}

type Role = 'pub' | 'sub';

/** Options of one node connection (every mode), for `role`. */
function nodeOptions(config: RedisConfig, role: Role): RedisOptions {
  return {
    lazyConnect: true,
    connectionName: `ws-gateway-${role}`,
    // Publishes and rate-limit calls fail fast during an outage; the subscriber's (p)subscribe
    // commands must wait for the connection, or the adapter would never receive other nodes' messages.
    maxRetriesPerRequest: role === 'sub' ? null : 2,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 6), 5_000),
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...(config.tls ? { tls: {} } : {}),
  };
}

/** One ioredis client of `config`'s kind: a node by URL, a Cluster, or the Sentinel-managed master. */
function createClient(config: RedisConfig, role: Role): Redis | Cluster {
  const target = config.target;
  const options = nodeOptions(config, role);
  if (target.kind === 'url') return new Redis(target.url, options);
  if (target.kind === 'sentinel') {
    return new Redis({
      ...options,
      sentinels: target.sentinels,
      name: target.name,
      role: 'master',
      // No `failoverDetector`: when its +switch-master arrives while a reconnect is asking the Sentinels, ioredis
      // 5 aborts that connect and ends the client for good. A failover closes the clients' connections to the
      // old master anyway (it died, or Sentinel's reconfiguration kills its clients), and the reconnect asks
      // the Sentinels again.
      sentinelRetryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 6), 5_000),
      ...(config.sentinelPassword !== undefined ? { sentinelPassword: config.sentinelPassword } : {}),
      ...(config.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    });
  }
  const { lazyConnect, enableOfflineQueue, retryStrategy, ...redisOptions } = options;
  const clusterOptions: ClusterOptions = {
    lazyConnect,
    enableOfflineQueue,
    redisOptions,
    clusterRetryStrategy: (attempt) => retryStrategy?.(attempt) ?? 1_000,
    // The sharded adapter subscribes with SSUBSCRIBE on the node that owns each channel's slot.
    ...(role === 'sub' ? { shardedSubscribers: true } : {}),
  };
  return new Cluster(target.nodes, clusterOptions);
}

/**
 * Two ioredis connections that survive an outage: they reconnect forever with capped backoff,
 * commands fail after a couple of retries instead of piling up, and errors are logged on state
 * changes only, so a Redis outage degrades the node and never crashes it. With Sentinel they
 * follow the master through a failover; with a Cluster, its topology.
 */
export function createRedisClients(config: RedisConfig, logger: GatewayLogger): RedisClients {
  let quitting = false;
  const make = (role: Role) => {
    const client = createClient(config, role);
    let lastError = '';
    client.on('error', (err: Error) => {
      if (err.message === lastError) return;
      lastError = err.message;
      logger.warn({ redis: role, err: err.message }, 'redis connection error');
    });
    client.on('ready', () => {
      lastError = '';
      logger.info({ redis: role, mode: config.target.kind }, 'redis ready');
    });
    client.on('reconnecting', () => logger.debug({ redis: role }, 'redis reconnecting'));
    // ioredis stops for good ("end") when a connect attempt itself fails (not only on quit): start over, so
    // the node never stays cut off from Redis until a restart.
    client.on('end', () => {
      if (quitting) return;
      logger.warn({ redis: role }, 'redis connection ended; connecting again');
      setTimeout(() => {
        if (!quitting && client.status === 'end') client.connect().catch(() => undefined);
      }, 1_000).unref();
    });
    return client;
  };
  const pub = make('pub');
  const sub = make('sub');
  const problem = () => {
    if (pub.status !== 'ready') return `redis (pub) is ${pub.status}`;
    if (sub.status !== 'ready') return `redis (sub) is ${sub.status}`;
    return null;
  };
  return {
    pub,
    sub,
    problem,
    async connect() {
      // Starting while Redis is down is allowed: the node stays unready and keeps reconnecting.
      await Promise.all([pub.connect().catch(() => undefined), sub.connect().catch(() => undefined)]);
    },
    async quit() {
      quitting = true;
      await Promise.all(
        [pub, sub].map(async (client) => {
          try {
            if (client.status === 'ready') await client.quit();
            else client.disconnect();
          } catch {
            client.disconnect();
          }
        }),
      );
    },
  };
}
