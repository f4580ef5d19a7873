import Type, { type Static, type TSchema } from 'typebox';
import { AckOkSchema } from '../errors.js';
import {
  type DecimalSchemas,
  Id,
  InputDecimals,
  MAX_DEPTH_LEVELS,
  MAX_LIST_ITEMS,
  MarketSymbol,
  Seq,
  Side,
  Timestamp,
  WireDecimals,
} from '../primitives.js';
import { MARKET_CHANNELS } from '../rooms.js';
import { SymbolList } from './prices.js';

const closed = { additionalProperties: false } as const;

// Spelled out (not `.map`) so the static type is the channel union rather than `never`.
const [stats, depth, trades, ticker] = MARKET_CHANNELS;
export const MarketChannelSchema = Type.Union([
  Type.Literal(stats),
  Type.Literal(depth),
  Type.Literal(trades),
  Type.Literal(ticker),
]);

export const MarketSubscribeRequest = Type.Object(
  {
    channels: Type.Array(MarketChannelSchema, { minItems: 1, maxItems: MAX_LIST_ITEMS }),
    symbols: SymbolList,
  },
  closed,
);
export type MarketSubscribeRequest = Static<typeof MarketSubscribeRequest>;
export const MarketUnsubscribeRequest = MarketSubscribeRequest;
export type MarketUnsubscribeRequest = MarketSubscribeRequest;
export const MarketSubscribeResult = AckOkSchema({ channels: Type.Array(Type.String()) });
export type MarketSubscribeResult = { channels: string[] };

/** The depths a `market.snapshot` may ask for (levels per side), in exchange-like steps. */
export const SNAPSHOT_DEPTHS = [5, 10, 20, 50, 100, 500, 1000] as const;
export type SnapshotDepthValue = (typeof SNAPSHOT_DEPTHS)[number];
/** Levels per side when `depth` is absent; at least the checksum's 25, so a client can verify it. */
export const DEFAULT_SNAPSHOT_DEPTH = 100;
/** The most levels per side a snapshot carries (the subscribe snapshot of `depth` too). */
export const MAX_SNAPSHOT_DEPTH = 1000;
/**
 * Rate-limit points of one `market.snapshot` by depth: the cost grows with the levels sent, as exchanges
 * weight their depth endpoints, so a flood of deep snapshots spends a connection's budget fast.
 */
export const SNAPSHOT_DEPTH_COST: Readonly<Record<SnapshotDepthValue, number>> = {
  5: 1,
  10: 1,
  20: 1,
  50: 2,
  100: 5,
  500: 25,
  1000: 50,
};
// Spelled out (not `.map`) so the static type is the depth union.
export const SnapshotDepth = Type.Union(
  [
    Type.Literal(5),
    Type.Literal(10),
    Type.Literal(20),
    Type.Literal(50),
    Type.Literal(100),
    Type.Literal(500),
    Type.Literal(1000),
  ],
  { description: `levels per side; default ${DEFAULT_SNAPSHOT_DEPTH}, at least 25 to verify the checksum` },
);

/** C→S `market.snapshot`: the top `depth` levels per side of the symbol's book, with its seq and checksum. */
export const MarketSnapshotRequest = Type.Object({ symbol: MarketSymbol, depth: Type.Optional(SnapshotDepth) }, closed);
export type MarketSnapshotRequest = Static<typeof MarketSnapshotRequest>;

const statsFields = <P extends TSchema, N extends TSchema, S extends TSchema>(d: DecimalSchemas<P, N, S>) => ({
  symbol: MarketSymbol,
  open: d.positive,
  high: d.positive,
  low: d.positive,
  last: d.positive,
  volume: d.nonNegative,
  quoteVolume: d.nonNegative,
  change: d.signed,
  changePercent: d.signed,
});
/** S→C `market.stats`, room `market:stats:{symbol}`. */
export const MarketStats = Type.Object({ ...statsFields(WireDecimals), timestamp: Timestamp, seq: Seq });
export type MarketStats = Static<typeof MarketStats>;
export const MarketStatsInput = Type.Object(
  { ...statsFields(InputDecimals), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type MarketStatsInput = Static<typeof MarketStatsInput>;

const tickerFields = <P extends TSchema, N extends TSchema, S extends TSchema>(d: DecimalSchemas<P, N, S>) => ({
  symbol: MarketSymbol,
  bid: d.positive,
  ask: d.positive,
  last: d.positive,
});
/** S→C `market.ticker`, room `market:ticker:{symbol}`. */
export const MarketTicker = Type.Object({ ...tickerFields(WireDecimals), timestamp: Timestamp, seq: Seq });
export type MarketTicker = Static<typeof MarketTicker>;
export const MarketTickerInput = Type.Object(
  { ...tickerFields(InputDecimals), timestamp: Type.Optional(Timestamp) },
  closed,
);
export type MarketTickerInput = Static<typeof MarketTickerInput>;

const marketTradeFields = <P extends TSchema, N extends TSchema, S extends TSchema>(d: DecimalSchemas<P, N, S>) => ({
  tradeId: Id,
  price: d.positive,
  quantity: d.nonNegative,
  side: Side,
});
export const MarketTrade = Type.Object({ ...marketTradeFields(WireDecimals), timestamp: Timestamp });
export type MarketTrade = Static<typeof MarketTrade>;
export const MarketTradeInput = Type.Object(
  { ...marketTradeFields(InputDecimals), timestamp: Type.Optional(Timestamp) },
  closed,
);

/** S→C `market.trades`, room `market:trades:{symbol}`. */
export const MarketTrades = Type.Object({
  symbol: MarketSymbol,
  trades: Type.Array(MarketTrade, { maxItems: MAX_LIST_ITEMS }),
  seq: Seq,
  timestamp: Type.Optional(Timestamp),
});
export type MarketTrades = Static<typeof MarketTrades>;
export const MarketTradesInput = Type.Object(
  {
    symbol: MarketSymbol,
    trades: Type.Array(MarketTradeInput, { minItems: 1, maxItems: MAX_LIST_ITEMS }),
    timestamp: Type.Optional(Timestamp),
  },
  closed,
);
export type MarketTradesInput = Static<typeof MarketTradesInput>;

export const DepthType = Type.Union([Type.Literal('snapshot'), Type.Literal('delta')]);
export type DepthType = Static<typeof DepthType>;

/** `[price > 0, quantity ≥ 0]` levels; quantity "0" removes the level. */
const levels = <P extends TSchema, N extends TSchema, S extends TSchema>(d: DecimalSchemas<P, N, S>) =>
  Type.Array(Type.Tuple([d.positive, d.nonNegative]), { maxItems: MAX_DEPTH_LEVELS });

/**
 * S→C `market.depth`, room `market:depth:{symbol}`. A subscriber first gets a snapshot, then deltas
 * whose `prevSeq` equals the previous message's `seq`; quantity "0" removes a level; `checksum` is the
 * CRC-32 of the book after applying the message (see `bookChecksum`). On a snapshot the receiver resets
 * its book and ignores `prevSeq`.
 */
export const MarketDepth = Type.Object({
  symbol: MarketSymbol,
  type: DepthType,
  bids: levels(WireDecimals),
  asks: levels(WireDecimals),
  seq: Seq,
  prevSeq: Seq,
  checksum: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
  timestamp: Timestamp,
});
export type MarketDepth = Static<typeof MarketDepth>;

/** What publishers pass: the server owns the book and computes seq, prevSeq and checksum. */
export const MarketDepthInput = Type.Object(
  {
    symbol: MarketSymbol,
    type: DepthType,
    bids: levels(InputDecimals),
    asks: levels(InputDecimals),
    timestamp: Type.Optional(Timestamp),
  },
  closed,
);
export type MarketDepthInput = Static<typeof MarketDepthInput>;

export const MarketSnapshotResult = AckOkSchema({ depth: MarketDepth });
export type MarketSnapshotResult = { depth: MarketDepth };
