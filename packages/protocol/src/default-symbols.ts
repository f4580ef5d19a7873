/**
 * The symbols a server knows when none are configured: `@ws/server`'s default (so the seed's Quick Start,
 * which configures none, can publish and subscribe `BTC/USDT`) and the gateway's `WS_SYMBOLS` default.
 */
export const DEFAULT_SYMBOLS = [
  'BTC/USDT',
  'ETH/USDT',
  'SOL/USDT',
  'BNB/USDT',
  'XRP/USDT',
  'ADA/USDT',
  'DOGE/USDT',
  'AVAX/USDT',
  'LINK/USDT',
  'DOT/USDT',
] as const;
