import type { MarketSnapshotResult, PriceUpdate } from '@ws/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import type { NamespaceSocket } from '../../src/index.js';

declare const prices: NamespaceSocket<'/prices'>;
declare const market: NamespaceSocket<'/market'>;

describe('NamespaceSocket: each namespace socket is typed by its event maps', () => {
  it('listens only to what its namespace sends, with the protocol payloads', () => {
    prices.on('price.update', (p) => expectTypeOf(p).toEqualTypeOf<PriceUpdate>());
    // @ts-expect-error /prices never sends order events
    prices.on('order.new', () => {});
  });

  it('emits only its namespace requests, with their payloads and typed acks', () => {
    market.emit('market.snapshot', { symbol: 'BTC/USDT' }, (ack) => {
      if (ack.ok) expectTypeOf(ack.depth).toEqualTypeOf<MarketSnapshotResult['depth']>();
    });
    // @ts-expect-error market.snapshot is not a /prices request
    prices.emit('market.snapshot', { symbol: 'BTC/USDT' }, () => {});
    // @ts-expect-error the payload of subscribe on /prices is { symbols }
    prices.emit('subscribe', { channels: ['ticker'] }, () => {});
  });
});
