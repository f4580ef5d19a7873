import { startServer, type TestServer } from '@ws/test-support/server';

export { signToken } from '@ws/test-support';
export type Gateway = TestServer;

export const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];

/** A filled BTC/USDT buy of one lot, as the tests publish to a user's `orders` stream. */
export function filledOrder(orderId: string) {
  return {
    orderId,
    symbol: 'BTC/USDT',
    side: 'buy' as const,
    type: 'limit' as const,
    price: 100,
    quantity: 1,
    filledQuantity: 1,
    status: 'filled' as const,
  };
}

/**
 * The server the SDK's tests run against (`@ws/test-support`'s, not `@ws/server` directly: the SDK must not
 * depend on the server): fast heartbeats and shutdown so reconnects are quick, and no rate limit.
 */
export function startGateway(init: Parameters<typeof startServer>[0] = {}): Promise<Gateway> {
  return startServer({
    symbols: SYMBOLS,
    pingIntervalMs: 2_000,
    pingTimeoutMs: 2_000,
    rateLimit: false,
    shutdown: { deadlineMs: 500, reconnectJitterMs: 20 },
    ...init,
  });
}

/** Resolves with the first payload `register` delivers that passes `match`. */
export function waitFor<T>(
  register: (listener: (value: T) => void) => () => void,
  match: (value: T) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for an event'));
    }, timeoutMs);
    const off = register((value) => {
      if (!match(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}
