import type {
  MarginCallInput,
  MarketDepthInput,
  MarketStatsInput,
  MarketTickerInput,
  MarketTradesInput,
  OrderEventInput,
  PositionEventInput,
  PriceTradeInput,
  PriceUpdateInput,
  WalletUpdateInput,
} from '@ws/protocol';

/**
 * The part of `@ws/server`'s broadcast service the demo publishes through: the same calls a real
 * market-data or account service makes, so the demo exercises the real path. Results may be promises.
 */
export interface MarketBroadcastPort {
  broadcastPriceUpdate(symbol: string, data: Omit<PriceUpdateInput, 'symbol'>): unknown;
  broadcastTrade(data: PriceTradeInput): unknown;
  broadcastMarketStats(data: MarketStatsInput): unknown;
  broadcastDepth(data: MarketDepthInput): unknown;
  broadcastMarketTrades(data: MarketTradesInput): unknown;
  broadcastTicker(data: MarketTickerInput): unknown;
}

export interface UserBroadcastPort {
  broadcastOrderUpdate(userId: string, order: OrderEventInput): unknown;
  broadcastPositionUpdate(userId: string, position: PositionEventInput): unknown;
  broadcastWalletUpdate(userId: string, wallet: WalletUpdateInput): unknown;
  broadcastMarginCall(userId: string, call: MarginCallInput): unknown;
}

/** Runs a broadcast call and turns a sync throw or a rejection into one promise rejection. */
export function settle(call: () => unknown): Promise<unknown> {
  try {
    return Promise.resolve(call());
  } catch (err) {
    return Promise.reject(err);
  }
}
