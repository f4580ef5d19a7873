import type { TSchema } from 'typebox';
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
import type { NamespaceName } from './namespaces.js';
import { rooms } from './rooms.js';

export interface PublishableEvent {
  namespace: NamespaceName | 'all';
  /** The payload as it goes on the wire. */
  schema: TSchema;
  /** What a publisher passes (decimals as numbers or strings; no seq; optional timestamp). */
  input: TSchema;
  /** Private events go to one user's room and need a `userId`. */
  private: boolean;
  /** The room the event is published to; `userId` for private events. Throws on invalid input. */
  room: (data: { symbol?: string }, userId?: string) => string | null;
  description: string;
}

const sym = (data: { symbol?: string }) => data.symbol ?? '';
const uid = (userId?: string) => userId ?? '';

/** Every event a service can publish through the gateway, with its schemas and room. */
export const PublishableEvents = {
  'price.update': {
    namespace: '/prices',
    schema: PriceUpdate,
    input: PriceUpdateInput,
    private: false,
    room: (d) => rooms.prices(sym(d)),
    description: 'Latest price, bid, ask and 24h volume of a symbol.',
  },
  'price.trade': {
    namespace: '/prices',
    schema: PriceTrade,
    input: PriceTradeInput,
    private: false,
    room: (d) => rooms.prices(sym(d)),
    description: 'One public trade.',
  },
  'market.stats': {
    namespace: '/market',
    schema: MarketStats,
    input: MarketStatsInput,
    private: false,
    room: (d) => rooms.market('stats', sym(d)),
    description: '24h statistics of a symbol.',
  },
  'market.ticker': {
    namespace: '/market',
    schema: MarketTicker,
    input: MarketTickerInput,
    private: false,
    room: (d) => rooms.market('ticker', sym(d)),
    description: 'Best bid, best ask and last price.',
  },
  'market.trades': {
    namespace: '/market',
    schema: MarketTrades,
    input: MarketTradesInput,
    private: false,
    room: (d) => rooms.market('trades', sym(d)),
    description: 'A batch of public trades.',
  },
  'market.depth': {
    namespace: '/market',
    schema: MarketDepth,
    input: MarketDepthInput,
    private: false,
    room: (d) => rooms.market('depth', sym(d)),
    description: 'Order book snapshot or delta with seq/prevSeq continuity and a CRC-32 checksum.',
  },
  'order.new': {
    namespace: '/user',
    schema: OrderEvent,
    input: OrderEventInput,
    private: true,
    room: (_d, u) => rooms.orders(uid(u)),
    description: 'An order was accepted.',
  },
  'order.update': {
    namespace: '/user',
    schema: OrderEvent,
    input: OrderEventInput,
    private: true,
    room: (_d, u) => rooms.orders(uid(u)),
    description: 'An order changed (e.g. partially filled).',
  },
  'order.filled': {
    namespace: '/user',
    schema: OrderEvent,
    input: OrderEventInput,
    private: true,
    room: (_d, u) => rooms.orders(uid(u)),
    description: 'An order was completely filled.',
  },
  'order.cancelled': {
    namespace: '/user',
    schema: OrderEvent,
    input: OrderEventInput,
    private: true,
    room: (_d, u) => rooms.orders(uid(u)),
    description: 'An order was cancelled, rejected or expired.',
  },
  'position.update': {
    namespace: '/user',
    schema: PositionEvent,
    input: PositionEventInput,
    private: true,
    room: (_d, u) => rooms.positions(uid(u)),
    description: 'A position changed.',
  },
  'position.liquidated': {
    namespace: '/user',
    schema: PositionEvent,
    input: PositionEventInput,
    private: true,
    room: (_d, u) => rooms.positions(uid(u)),
    description: 'A position was liquidated.',
  },
  'wallet.update': {
    namespace: '/user',
    schema: WalletUpdate,
    input: WalletUpdateInput,
    private: true,
    room: (_d, u) => rooms.wallet(uid(u)),
    description: 'A wallet balance changed.',
  },
  'margin.call': {
    namespace: '/user',
    schema: MarginCall,
    input: MarginCallInput,
    private: true,
    room: (_d, u) => rooms.user(uid(u)),
    description: 'Margin ratio crossed the maintenance threshold.',
  },
  'system.message': {
    namespace: 'all',
    schema: SystemMessage,
    input: SystemMessageInput,
    private: false,
    room: () => null,
    description: 'Operator message to every client on every namespace.',
  },
} as const satisfies Record<string, PublishableEvent>;

export type PublishableEventName = keyof typeof PublishableEvents;
export const PUBLISHABLE_EVENT_NAMES = Object.keys(PublishableEvents) as PublishableEventName[];

export function isPublishableEventName(value: unknown): value is PublishableEventName {
  return typeof value === 'string' && Object.hasOwn(PublishableEvents, value);
}
