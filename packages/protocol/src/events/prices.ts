import Type, { type Static, type TSchema } from 'typebox';
import { AckOkSchema } from '../errors.js';
import {
  type DecimalSchemas,
  Id,
  InputDecimals,
  MAX_LIST_ITEMS,
  MarketSymbol,
  Seq,
  Side,
  Timestamp,
  WireDecimals,
} from '../primitives.js';

const closed = { additionalProperties: false } as const;

export const SymbolList = Type.Array(MarketSymbol, { minItems: 1, maxItems: MAX_LIST_ITEMS });

export const PricesSubscribeRequest = Type.Object({ symbols: SymbolList }, closed);
export type PricesSubscribeRequest = Static<typeof PricesSubscribeRequest>;
export const PricesUnsubscribeRequest = PricesSubscribeRequest;
export type PricesUnsubscribeRequest = PricesSubscribeRequest;
export const PricesSubscribeResult = AckOkSchema({ symbols: Type.Array(MarketSymbol) });
export type PricesSubscribeResult = { symbols: string[] };

const priceUpdateFields = <P extends TSchema, N extends TSchema, S extends TSchema>(d: DecimalSchemas<P, N, S>) => ({
  symbol: MarketSymbol,
  price: d.positive,
  bid: d.positive,
  ask: d.positive,
  volume: d.nonNegative,
});

/** S→C `price.update`, room `prices:{symbol}`. */
export const PriceUpdate = Type.Object({ ...priceUpdateFields(WireDecimals), timestamp: Timestamp, seq: Seq });
export type PriceUpdate = Static<typeof PriceUpdate>;
export const PriceUpdateInput = Type.Object(
  { ...priceUpdateFields(InputDecimals), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type PriceUpdateInput = Static<typeof PriceUpdateInput>;

const tradeFields = <P extends TSchema, N extends TSchema, S extends TSchema>(d: DecimalSchemas<P, N, S>) => ({
  symbol: MarketSymbol,
  tradeId: Id,
  price: d.positive,
  quantity: d.nonNegative,
  side: Side,
});

/** S→C `price.trade`, room `prices:{symbol}`. */
export const PriceTrade = Type.Object({ ...tradeFields(WireDecimals), timestamp: Timestamp, seq: Seq });
export type PriceTrade = Static<typeof PriceTrade>;
export const PriceTradeInput = Type.Object(
  { ...tradeFields(InputDecimals), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type PriceTradeInput = Static<typeof PriceTradeInput>;
