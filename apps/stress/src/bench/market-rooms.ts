/** The baselines' market rooms: `market.depth` of `BTC/USDT` goes to `market:depth:BTC/USDT`, as on the gateway. */
const MARKET_EVENT_CHANNELS: Readonly<Record<string, string>> = {
  'market.depth': 'depth',
  'market.trades': 'trades',
  'market.ticker': 'ticker',
  'market.stats': 'stats',
};

/** The room of a market event for `symbol`, or undefined when `event` is not a market event. */
export function marketRoomOf(event: string, symbol: string): string | undefined {
  const channel = MARKET_EVENT_CHANNELS[event];
  return channel === undefined ? undefined : `market:${channel}:${symbol}`;
}
