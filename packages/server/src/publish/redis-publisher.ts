import { Emitter } from '@socket.io/redis-emitter';
import { NAMESPACE_NAMES } from '@ws/protocol';
import type { Cluster, Redis } from 'ioredis';
import { DEFAULT_REDIS_PREFIX, redisKey } from '../redis-keys.js';
import { OrderBooks } from '../state/order-books.js';
import { RedisSequenceStore } from '../state/redis-sequence-store.js';
import { MemorySequenceStore } from '../state/sequence-store.js';
import { MemorySnapshotStore } from '../state/snapshot-store.js';
import { WebSocketBroadcast } from './websocket-broadcast.js';

export interface RedisPublisherOptions {
  /** The gateways' `redis.prefix` (default `ws`; keys joined by `redisKey`). */
  prefix?: string;
  /** Symbols publishes are accepted for; omit to accept any valid symbol. */
  symbols?: readonly string[];
}

/**
 * The publish path for backend services that run no gateway: the same `WebSocketBroadcast` API, validated
 * by the protocol, sequenced and fanned out by the gateways' Lua script and bus. `system.message` goes
 * through `@socket.io/redis-emitter` to every namespace. A depth publish resolves without `checksum`
 * (the gateways compute it from their books).
 */
export function createRedisPublisher(redis: Redis | Cluster, options: RedisPublisherOptions = {}): WebSocketBroadcast {
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const store = new RedisSequenceStore(redis, { prefix });
  const emitters = new Map(
    NAMESPACE_NAMES.map((ns) => [ns, new Emitter(redis, { key: redisKey(prefix, 'adapter') }, ns)]),
  );
  const symbols = options.symbols ? new Set(options.symbols) : undefined;
  return new WebSocketBroadcast({
    delivery: {
      toRoom: () => {
        // With `cluster` set, every room message goes through the gateways' publish script and bus instead.
        throw new Error('createRedisPublisher: room messages are published through the bus');
      },
      toNamespace: ({ namespace, event, payload }) => emitters.get(namespace)?.emit(event as never, payload as never),
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
