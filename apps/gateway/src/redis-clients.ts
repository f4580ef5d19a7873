import { Redis } from 'ioredis';
import type { GatewayLogger } from './logger.js';

export interface RedisClients {
  /** Commands and adapter publishes (also the rate-limit store). */
  pub: Redis;
  /** The adapter's subscriber connection (subscriber mode allows no other commands). */
  sub: Redis;
  /** `null` when both connections are ready, otherwise why not. */
  problem(): string | null;
  connect(): Promise<void>;
  quit(): Promise<void>;
}

/**
 * Two ioredis connections that survive an outage: they reconnect forever with capped backoff,
 * commands fail after a couple of retries instead of piling up, and errors are logged on state
 * changes only, so a Redis outage degrades the node (readiness 503) and never crashes it.
 */
export function createRedisClients(url: string, logger: GatewayLogger): RedisClients {
  const make = (role: 'pub' | 'sub') => {
    const client = new Redis(url, {
      lazyConnect: true,
      connectionName: `ws-gateway-${role}`,
      // Publishes and rate-limit calls fail fast during an outage; the subscriber's (p)subscribe
      // commands must wait for the connection, or the adapter would never receive other nodes' messages.
      maxRetriesPerRequest: role === 'sub' ? null : 2,
      enableOfflineQueue: true,
      connectTimeout: 5_000,
      retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 6), 5_000),
    });
    let lastError = '';
    client.on('error', (err: Error) => {
      if (err.message === lastError) return;
      lastError = err.message;
      logger.warn({ redis: role, err: err.message }, 'redis connection error');
    });
    client.on('ready', () => {
      lastError = '';
      logger.info({ redis: role }, 'redis ready');
    });
    client.on('reconnecting', () => logger.debug({ redis: role }, 'redis reconnecting'));
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
