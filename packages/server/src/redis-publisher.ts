import { Emitter } from '@socket.io/redis-emitter';
import { NAMESPACE_NAMES } from '@ws/protocol';
import type { Cluster, Redis } from 'ioredis';
import { OrderBooks } from './order-books.js';
import { DEFAULT_REDIS_PREFIX, redisKey } from './redis-keys.js';
import { RedisSequenceStore } from './redis-sequence-store.js';
import { MemorySequenceStore } from './sequence-store.js';
import { MemorySnapshotStore } from './snapshot-store.js';
import { WebsocketBroadcast } from './websocket-broadcast.js';

export interface RedisPublisherOptions {
  /** The gateways' `redis.prefix` (default `ws`; keys joined by `redisKey`). */
  prefix?: string;
  /** Symbols publishes are accepted for; omit to accept any valid symbol. */
  symbols?: readonly string[];
}

/**
 * The publish path for backend services that run no gateway: the same `WebsocketBroadcast` API, validated
 * by the protocol, sequenced and fanned out by the gateways' Lua script and bus. `system.message` goes
 * through `@socket.io/redis-emitter` to every namespace. A depth publish resolves without `checksum`
 * (the gateways compute it from their books).
 */
export function createRedisPublisher(redis: Redis | Cluster, options: RedisPublisherOptions = {}): WebsocketBroadcast {
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const store = new RedisSequenceStore(redis, { prefix });
  const emitters = new Map(
    NAMESPACE_NAMES.map((ns) => [ns, new Emitter(redis, { key: redisKey(prefix, 'adapter') }, ns)]),
  );
  const symbols = options.symbols ? new Set(options.symbols) : undefined;
  return new WebsocketBroadcast({
    emit: (ns, _room, event, payload) => {
      emitters.get(ns)?.emit(event as never, payload as never);
    },
    sequences: new MemorySequenceStore(),
    snapshots: new MemorySnapshotStore(),
    books: new OrderBooks(),
    isKnownSymbol: (symbol) => symbols?.has(symbol) ?? true,
    allowUnknownSymbols: symbols === undefined,
    namespaces: NAMESPACE_NAMES,
    cluster: {
      publish: async (message) => ({ ...message.data, seq: await store.publish(message) }),
    },
  });
}
