import Type, { type Static, type TSchema } from 'typebox';
import {
  type DecimalSchemas,
  Id,
  InputDecimals,
  MarketSymbol,
  Seq,
  Side,
  Text,
  Timestamp,
  WireDecimals,
} from '../primitives.js';

const closed = { additionalProperties: false } as const;

export const OrderType = Type.Union([
  Type.Literal('market'),
  Type.Literal('limit'),
  Type.Literal('stop'),
  Type.Literal('stop_limit'),
]);
export const OrderStatus = Type.Union([
  Type.Literal('new'),
  Type.Literal('partially_filled'),
  Type.Literal('filled'),
  Type.Literal('cancelled'),
  Type.Literal('rejected'),
  Type.Literal('expired'),
]);
export type OrderStatus = Static<typeof OrderStatus>;

const orderFields = <P extends TSchema, N extends TSchema, S extends TSchema>(d: DecimalSchemas<P, N, S>) => ({
  orderId: Id,
  clientOrderId: Type.Optional(Id),
  symbol: MarketSymbol,
  side: Side,
  type: OrderType,
  /** ≥ 0: a market order has no limit price and carries "0", as exchanges send it. */
  price: d.nonNegative,
  quantity: d.nonNegative,
  filledQuantity: d.nonNegative,
  /** ≥ 0: "0" before the first fill. */
  averagePrice: Type.Optional(d.nonNegative),
  status: OrderStatus,
});
/** S→C `order.new` / `order.update` / `order.filled` / `order.cancelled`, room `orders:{userId}`. */
export const OrderEvent = Type.Object({ ...orderFields(WireDecimals), timestamp: Timestamp, seq: Seq });
export type OrderEvent = Static<typeof OrderEvent>;
export const OrderEventInput = Type.Object(
  { ...orderFields(InputDecimals), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type OrderEventInput = Static<typeof OrderEventInput>;

export const PositionSide = Type.Union([Type.Literal('long'), Type.Literal('short')]);
const positionFields = <P extends TSchema, N extends TSchema, S extends TSchema>(d: DecimalSchemas<P, N, S>) => ({
  positionId: Id,
  symbol: MarketSymbol,
  side: PositionSide,
  /** ≥ 0: the direction is `side`; "0" for a closed or liquidated position. */
  size: d.nonNegative,
  entryPrice: d.positive,
  markPrice: d.positive,
  /** ≥ 0: "0" when the position cannot be liquidated (fully collateralised). */
  liquidationPrice: d.nonNegative,
  unrealizedPnl: d.signed,
  margin: d.nonNegative,
  leverage: d.positive,
});
/** S→C `position.update` / `position.liquidated`, room `positions:{userId}`. */
export const PositionEvent = Type.Object({ ...positionFields(WireDecimals), timestamp: Timestamp, seq: Seq });
export type PositionEvent = Static<typeof PositionEvent>;
export const PositionEventInput = Type.Object(
  { ...positionFields(InputDecimals), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type PositionEventInput = Static<typeof PositionEventInput>;

const walletFields = <P extends TSchema, N extends TSchema, S extends TSchema>(d: DecimalSchemas<P, N, S>) => ({
  asset: Type.String({ pattern: '^[A-Z0-9]{1,20}$' }),
  available: d.nonNegative,
  locked: d.nonNegative,
  total: d.nonNegative,
});
/** S→C `wallet.update`, room `wallet:{userId}`. */
export const WalletUpdate = Type.Object({ ...walletFields(WireDecimals), timestamp: Timestamp, seq: Seq });
export type WalletUpdate = Static<typeof WalletUpdate>;
export const WalletUpdateInput = Type.Object(
  { ...walletFields(InputDecimals), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type WalletUpdateInput = Static<typeof WalletUpdateInput>;

const marginCallFields = <P extends TSchema, N extends TSchema, S extends TSchema>(d: DecimalSchemas<P, N, S>) => ({
  positionId: Type.Optional(Id),
  symbol: Type.Optional(MarketSymbol),
  marginRatio: d.nonNegative,
  maintenanceMargin: d.nonNegative,
  message: Text,
});
/** S→C `margin.call`, room `user:{userId}`. */
export const MarginCall = Type.Object({ ...marginCallFields(WireDecimals), timestamp: Timestamp, seq: Seq });
export type MarginCall = Static<typeof MarginCall>;
export const MarginCallInput = Type.Object(
  { ...marginCallFields(InputDecimals), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type MarginCallInput = Static<typeof MarginCallInput>;

const LastSeq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/**
 * Handshake `auth.since` on `/user`: the last seq the client saw per private stream (0 for none), so the
 * server replays what it missed before live events; `connection.authenticated.recovered` says if it could.
 */
export const UserRecoverySince = Type.Object(
  {
    user: Type.Optional(LastSeq),
    orders: Type.Optional(LastSeq),
    positions: Type.Optional(LastSeq),
    wallet: Type.Optional(LastSeq),
  },
  closed,
);
export type UserRecoverySince = Static<typeof UserRecoverySince>;
