import type { TSchema } from 'typebox';
import { type EventTraits, type PublishableEventName, PublishableEventTraits } from './event-traits.js';
import { SystemMessage, SystemMessageInput } from './events/common.js';
import {
  MarketDepth,
  MarketDepthInput,
  MarketStats,
  MarketStatsInput,
  MarketTicker,
  MarketTickerInput,
  MarketTrades,
  MarketTradesInput,
} from './events/market.js';
import { PriceTrade, PriceTradeInput, PriceUpdate, PriceUpdateInput } from './events/prices.js';
import {
  MarginCall,
  MarginCallInput,
  OrderEvent,
  OrderEventInput,
  PositionEvent,
  PositionEventInput,
  WalletUpdate,
  WalletUpdateInput,
} from './events/user.js';
import { streamRoom } from './rooms.js';

export interface PublishableEvent extends EventTraits {
  /** The payload as it goes on the wire. */
  schema: TSchema;
  /** What a publisher passes (decimals as numbers or strings; no seq; optional timestamp). */
  input: TSchema;
  /** The room the event is published to; `userId` for private events. Throws on invalid input. */
  room: (data: { symbol?: string }, userId?: string) => string | null;
  description: string;
}

type Traits = typeof PublishableEventTraits;

/** One catalog entry: the event's traits, its schemas, and the room derived from its stream (validated). */
function publishable<E extends PublishableEventName, S extends TSchema, I extends TSchema>(
  event: E,
  schema: S,
  input: I,
  description: string,
): Traits[E] & { schema: S; input: I; room: PublishableEvent['room']; description: string } {
  const traits: EventTraits = PublishableEventTraits[event];
  const { stream } = traits;
  const room: PublishableEvent['room'] =
    stream === null
      ? () => null
      : traits.private
        ? (_data, userId) => streamRoom(stream, userId ?? '')
        : (data) => streamRoom(stream, data.symbol ?? '');
  return { ...PublishableEventTraits[event], schema, input, room, description };
}

/** Every event a service can publish through the gateway: its traits (`PublishableEventTraits`), schemas and room. */
export const PublishableEvents = {
  'price.update': publishable(
    'price.update',
    PriceUpdate,
    PriceUpdateInput,
    'Latest price, bid, ask and 24h volume of a symbol.',
  ),
  'price.trade': publishable('price.trade', PriceTrade, PriceTradeInput, 'One public trade.'),
  'market.stats': publishable('market.stats', MarketStats, MarketStatsInput, '24h statistics of a symbol.'),
  'market.ticker': publishable('market.ticker', MarketTicker, MarketTickerInput, 'Best bid, best ask and last price.'),
  'market.trades': publishable('market.trades', MarketTrades, MarketTradesInput, 'A batch of public trades.'),
  'market.depth': publishable(
    'market.depth',
    MarketDepth,
    MarketDepthInput,
    'Order book snapshot or delta with seq/prevSeq continuity and a CRC-32 checksum.',
  ),
  'order.new': publishable('order.new', OrderEvent, OrderEventInput, 'An order was accepted.'),
  'order.update': publishable('order.update', OrderEvent, OrderEventInput, 'An order changed (e.g. partially filled).'),
  'order.filled': publishable('order.filled', OrderEvent, OrderEventInput, 'An order was completely filled.'),
  'order.cancelled': publishable(
    'order.cancelled',
    OrderEvent,
    OrderEventInput,
    'An order was cancelled, rejected or expired.',
  ),
  'position.update': publishable('position.update', PositionEvent, PositionEventInput, 'A position changed.'),
  'position.liquidated': publishable(
    'position.liquidated',
    PositionEvent,
    PositionEventInput,
    'A position was liquidated.',
  ),
  'wallet.update': publishable('wallet.update', WalletUpdate, WalletUpdateInput, 'A wallet balance changed.'),
  'margin.call': publishable(
    'margin.call',
    MarginCall,
    MarginCallInput,
    'Margin ratio crossed the maintenance threshold.',
  ),
  'system.message': publishable(
    'system.message',
    SystemMessage,
    SystemMessageInput,
    'Operator message to every client on every namespace.',
  ),
} as const satisfies { [E in PublishableEventName]: PublishableEvent };
