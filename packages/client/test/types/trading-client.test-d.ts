import type { MarketDepth, OrderEvent, PriceUpdate, SystemMessage } from '@ws/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type ConnectionState,
  type GapEvent,
  isTradingClientError,
  type LiveOrderBook,
  type OrderBookResync,
  type StateChange,
  TradingClient,
  type TradingClientError,
  type TradingClientErrorCode,
} from '../../src/index.js';

const client = new TradingClient({ url: 'http://localhost:3000' });

describe('TradingClient event typing', () => {
  it('types stream events from the protocol event maps', () => {
    client.on('order.filled', (o) => {
      expectTypeOf(o).toEqualTypeOf<OrderEvent>();
      expectTypeOf(o.filledQuantity).toBeString();
    });
    client.on('price.update', (p) => expectTypeOf(p).toEqualTypeOf<PriceUpdate>());
    client.on('market.depth', (d) => expectTypeOf(d).toEqualTypeOf<MarketDepth>());
    client.on('system.message', (m) => expectTypeOf(m).toEqualTypeOf<SystemMessage>());
    client.on('margin.call', (m) => expectTypeOf(m.marginRatio).toBeString());
  });

  it('types per-symbol price events through a template literal key', () => {
    client.on('price:BTC/USDT', (p) => {
      expectTypeOf(p).toEqualTypeOf<PriceUpdate>();
      expectTypeOf(p.price).toBeString();
    });
  });

  it('types lifecycle events', () => {
    client.on('state', (s) => {
      expectTypeOf(s).toEqualTypeOf<StateChange>();
      expectTypeOf(s.state).toEqualTypeOf<ConnectionState>();
      expectTypeOf(s.code).toEqualTypeOf<TradingClientErrorCode | null>();
    });
    client.on('gap', (g) => expectTypeOf(g).toEqualTypeOf<GapEvent>());
    client.on('resync', (r) => expectTypeOf(r).toEqualTypeOf<OrderBookResync>());
    client.on('error', (e) => expectTypeOf(e).toEqualTypeOf<TradingClientError>());
  });

  it('rejects misspelt events and wrong payload use', () => {
    // @ts-expect-error: not an event
    client.on('order.filed', () => {});
    // @ts-expect-error: 'price.updates' is not an event
    client.on('price.updates', () => {});
    // @ts-expect-error: OrderEvent has no `bogus`
    client.on('order.filled', (o) => o.bogus);
    // @ts-expect-error: the server's `subscription.confirmed` is internal
    client.on('subscription.confirmed', () => {});
  });

  it('types methods', () => {
    expectTypeOf(client.subscribePrices).parameter(0).toEqualTypeOf<readonly string[]>();
    expectTypeOf(client.subscribePrices(['BTC/USDT'])).resolves.toEqualTypeOf<string[]>();
    expectTypeOf(client.subscribeOrderBook('BTC/USDT')).resolves.toEqualTypeOf<LiveOrderBook>();
    expectTypeOf(client.latency()).toEqualTypeOf<{ last: number; average: number } | undefined>();
    expectTypeOf(client.serverTimeOffset()).toEqualTypeOf<number | undefined>();
    expectTypeOf(client.state).toEqualTypeOf<ConnectionState>();
    // @ts-expect-error: not a market channel
    void client.subscribeMarket(['depthh'], ['BTC/USDT']);
    // @ts-expect-error: args of connections.disconnect need socketId or userId fields, not `foo`
    void client.admin.command('connections.disconnect', { foo: 1 });
    // @ts-expect-error: unknown admin command
    void client.admin.command('rm -rf', {});
    expectTypeOf(client.admin.command('connections.list')).resolves.toHaveProperty('connections');
  });

  it('narrows with isTradingClientError', () => {
    const e: unknown = null;
    if (isTradingClientError(e)) expectTypeOf(e.code).toEqualTypeOf<TradingClientErrorCode>();
  });

  it('the book reads levels', async () => {
    const book = await client.subscribeOrderBook('BTC/USDT');
    expectTypeOf(book.bestBid()).toEqualTypeOf<readonly [price: string, quantity: string] | undefined>();
    book.on('update', (u) => expectTypeOf(u.seq).toBeNumber());
    // @ts-expect-error: books have no `trade` event
    book.on('trade', () => {});
  });
});
