import type { Cluster, Redis } from 'ioredis';

/** Commands the Socket.IO Redis adapters send without handling the returned promise. */
const UNAWAITED = new Set<PropertyKey>([
  'publish',
  'spublish',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
]);

/**
 * The Socket.IO Redis adapters fire PUBLISH and (UN)SUBSCRIBE without handling the returned promise.
 * During a Redis outage, or when the client is closed right after the adapter (shutdown), ioredis
 * rejects those commands ("Connection is closed") and each would surface as an unhandled rejection.
 * The adapter therefore gets a view of the client whose fire-and-forget commands report failures to
 * `onError`; the client itself, and every other user of it, is untouched.
 */
export function adapterRedisView<T extends Redis | Cluster>(client: T, onError: (err: unknown) => void): T {
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      // The adapter tells clients apart by `constructor.name`: hand it over unbound.
      if (typeof value !== 'function' || prop === 'constructor') return value;
      if (UNAWAITED.has(prop)) {
        return (...args: unknown[]) => {
          const result: unknown = Reflect.apply(value, target, args);
          return result instanceof Promise ? result.catch((err: unknown) => onError(err)) : result;
        };
      }
      return value.bind(target);
    },
  });
}
