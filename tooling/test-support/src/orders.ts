import type { OrderEventInput } from '@ws/protocol';

/** A new limit buy on BTC/USDT with id `o-<n>`: the private event the cluster and recovery tests publish. */
export function newOrder(n: number, overrides: Partial<OrderEventInput> = {}): OrderEventInput {
  return {
    orderId: `o-${n}`,
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'limit',
    price: 1,
    quantity: 1,
    filledQuantity: 0,
    status: 'new',
    ...overrides,
  };
}
