import type { PublishItem } from '@ws/protocol';
import { hiResNow } from '../measure/clock.js';

export type { PublishItem } from '@ws/protocol';

/** What to publish, round-robin: public events per symbol, private events per simulated user. */
export interface PublishTarget {
  event: 'price.update' | 'market.ticker' | 'wallet.update';
  symbol?: string;
  userId?: string;
}

/** Builds the publish targets for the namespaces under test. */
export function planTargets(
  namespaces: readonly string[],
  symbols: readonly string[],
  userIds: readonly string[],
): PublishTarget[] {
  const targets: PublishTarget[] = [];
  if (namespaces.includes('/prices')) for (const symbol of symbols) targets.push({ event: 'price.update', symbol });
  if (namespaces.includes('/market')) for (const symbol of symbols) targets.push({ event: 'market.ticker', symbol });
  if (namespaces.includes('/user')) for (const userId of userIds) targets.push({ event: 'wallet.update', userId });
  return targets;
}

/**
 * Valid protocol payloads. `price.update` carries the publisher's sub-ms send stamp in `volume` (a valid
 * decimal), so receivers on this machine measure latency to the microsecond; the rest use `timestamp`.
 */
export function buildItem(target: PublishTarget, counter: number): PublishItem {
  const now = hiResNow();
  const timestamp = Math.floor(now);
  const price = (100 + (counter % 1000) / 100).toFixed(2);
  if (target.event === 'price.update') {
    return {
      event: 'price.update',
      data: { symbol: target.symbol, price, bid: price, ask: price, volume: now.toFixed(3), timestamp },
    };
  }
  if (target.event === 'market.ticker') {
    return { event: 'market.ticker', data: { symbol: target.symbol, bid: price, ask: price, last: price, timestamp } };
  }
  return {
    event: 'wallet.update',
    userId: target.userId ?? '',
    data: { asset: 'USDT', available: price, locked: '0', total: price, timestamp },
  };
}
