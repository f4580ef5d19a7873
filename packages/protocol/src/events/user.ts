import Type, { type Static, type TSchema } from 'typebox';
import { Decimal, DecimalInput, Id, MarketSymbol, Seq, Side, Text, Timestamp } from '../primitives.js';

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

const orderFields = <D extends TSchema>(d: D) => ({
  orderId: Id,
  clientOrderId: Type.Optional(Id),
  symbol: MarketSymbol,
  side: Side,
  type: OrderType,
  price: d,
  quantity: d,
  filledQuantity: d,
  averagePrice: Type.Optional(d),
  status: OrderStatus,
});
/** S→C `order.new` / `order.update` / `order.filled` / `order.cancelled`, room `orders:{userId}`. */
export const OrderEvent = Type.Object({ ...orderFields(Decimal), timestamp: Timestamp, seq: Seq });
export type OrderEvent = Static<typeof OrderEvent>;
export const OrderEventInput = Type.Object(
  { ...orderFields(DecimalInput), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type OrderEventInput = Static<typeof OrderEventInput>;

export const PositionSide = Type.Union([Type.Literal('long'), Type.Literal('short')]);
const positionFields = <D extends TSchema>(d: D) => ({
  positionId: Id,
  symbol: MarketSymbol,
  side: PositionSide,
  size: d,
  entryPrice: d,
  markPrice: d,
  liquidationPrice: d,
  unrealizedPnl: d,
  margin: d,
  leverage: d,
});
/** S→C `position.update` / `position.liquidated`, room `positions:{userId}`. */
export const PositionEvent = Type.Object({ ...positionFields(Decimal), timestamp: Timestamp, seq: Seq });
export type PositionEvent = Static<typeof PositionEvent>;
export const PositionEventInput = Type.Object(
  { ...positionFields(DecimalInput), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type PositionEventInput = Static<typeof PositionEventInput>;

const walletFields = <D extends TSchema>(d: D) => ({
  asset: Type.String({ pattern: '^[A-Z0-9]{1,20}$' }),
  available: d,
  locked: d,
  total: d,
});
/** S→C `wallet.update`, room `wallet:{userId}`. */
export const WalletUpdate = Type.Object({ ...walletFields(Decimal), timestamp: Timestamp, seq: Seq });
export type WalletUpdate = Static<typeof WalletUpdate>;
export const WalletUpdateInput = Type.Object(
  { ...walletFields(DecimalInput), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type WalletUpdateInput = Static<typeof WalletUpdateInput>;

const marginCallFields = <D extends TSchema>(d: D) => ({
  positionId: Type.Optional(Id),
  symbol: Type.Optional(MarketSymbol),
  marginRatio: d,
  maintenanceMargin: d,
  message: Text,
});
/** S→C `margin.call`, room `user:{userId}`. */
export const MarginCall = Type.Object({ ...marginCallFields(Decimal), timestamp: Timestamp, seq: Seq });
export type MarginCall = Static<typeof MarginCall>;
export const MarginCallInput = Type.Object(
  { ...marginCallFields(DecimalInput), timestamp: Type.Optional(Timestamp) },
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
