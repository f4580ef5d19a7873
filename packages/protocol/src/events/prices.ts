import Type, { type Static, type TSchema } from 'typebox';
import { AckOkSchema } from '../errors.js';
import { Decimal, DecimalInput, Id, MAX_LIST_ITEMS, MarketSymbol, Seq, Side, Timestamp } from '../primitives.js';

const closed = { additionalProperties: false } as const;

export const SymbolList = Type.Array(MarketSymbol, { minItems: 1, maxItems: MAX_LIST_ITEMS });

export const PricesSubscribeRequest = Type.Object({ symbols: SymbolList }, closed);
export type PricesSubscribeRequest = Static<typeof PricesSubscribeRequest>;
export const PricesUnsubscribeRequest = PricesSubscribeRequest;
export type PricesUnsubscribeRequest = PricesSubscribeRequest;
export const PricesSubscribeResult = AckOkSchema({ symbols: Type.Array(MarketSymbol) });
export type PricesSubscribeResult = { symbols: string[] };

const priceUpdateFields = <D extends TSchema>(d: D) => ({
  symbol: MarketSymbol,
  price: d,
  bid: d,
  ask: d,
  volume: d,
});

/** S→C `price.update`, room `prices:{symbol}`. */
export const PriceUpdate = Type.Object({ ...priceUpdateFields(Decimal), timestamp: Timestamp, seq: Seq });
export type PriceUpdate = Static<typeof PriceUpdate>;
export const PriceUpdateInput = Type.Object(
  { ...priceUpdateFields(DecimalInput), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type PriceUpdateInput = Static<typeof PriceUpdateInput>;

const tradeFields = <D extends TSchema>(d: D) => ({
  symbol: MarketSymbol,
  tradeId: Id,
  price: d,
  quantity: d,
  side: Side,
});

/** S→C `price.trade`, room `prices:{symbol}`. */
export const PriceTrade = Type.Object({ ...tradeFields(Decimal), timestamp: Timestamp, seq: Seq });
export type PriceTrade = Static<typeof PriceTrade>;
export const PriceTradeInput = Type.Object(
  { ...tradeFields(DecimalInput), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type PriceTradeInput = Static<typeof PriceTradeInput>;
