import type { RoomStream } from './event-traits.js';
import { SYMBOL_PATTERN, USER_ID_PATTERN } from './patterns.js';

export const MARKET_CHANNELS = ['stats', 'depth', 'trades', 'ticker'] as const;
export type MarketChannel = (typeof MARKET_CHANNELS)[number];

export const USER_STREAMS = ['user', 'orders', 'positions', 'wallet'] as const;
export type UserStream = (typeof USER_STREAMS)[number];

// Pure: a bundler may drop it when unused, also inside a lazily loaded (wrapped) module.
const symbolRe = /* @__PURE__ */ new RegExp(SYMBOL_PATTERN);
const userIdRe = /* @__PURE__ */ new RegExp(USER_ID_PATTERN);

export function isMarketSymbol(value: unknown): value is string {
  return typeof value === 'string' && symbolRe.test(value);
}

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && userIdRe.test(value);
}

function assertSymbol(symbol: string): string {
  if (!isMarketSymbol(symbol)) throw new TypeError(`invalid symbol ${JSON.stringify(symbol).slice(0, 60)}`);
  return symbol;
}

function assertUserId(userId: string): string {
  if (!isUserId(userId)) throw new TypeError(`invalid user id ${JSON.stringify(userId).slice(0, 60)}`);
  return userId;
}

/**
 * Room names. Every helper validates its argument, so client-supplied data never becomes a room name
 * without passing the same pattern the schemas enforce.
 */
export const rooms = {
  prices: (symbol: string) => `prices:${assertSymbol(symbol)}` as const,
  market: (channel: MarketChannel, symbol: string) => {
    if (!(MARKET_CHANNELS as readonly string[]).includes(channel)) throw new TypeError(`invalid channel ${channel}`);
    return `market:${channel}:${assertSymbol(symbol)}` as const;
  },
  user: (userId: string) => `user:${assertUserId(userId)}` as const,
  orders: (userId: string) => `orders:${assertUserId(userId)}` as const,
  positions: (userId: string) => `positions:${assertUserId(userId)}` as const,
  wallet: (userId: string) => `wallet:${assertUserId(userId)}` as const,
  /** All private rooms the server joins a `/user` socket to. */
  allForUser: (userId: string) => USER_STREAMS.map((stream) => `${stream}:${assertUserId(userId)}`),
};

/** The room of a stream: keyed by a user id for the private (user) streams, by a symbol otherwise; validates the key. */
export function streamRoom(stream: RoomStream, key: string): string {
  const isUser = (USER_STREAMS as readonly string[]).includes(stream);
  return `${stream}:${isUser ? assertUserId(key) : assertSymbol(key)}`;
}

export type ParsedRoom =
  | { kind: 'prices'; symbol: string }
  | { kind: 'market'; channel: MarketChannel; symbol: string }
  | { kind: UserStream; userId: string };

/** Parses a room name back into its parts; `null` for anything that is not a valid room. */
export function parseRoom(room: string): ParsedRoom | null {
  if (typeof room !== 'string' || room.length > 200) return null;
  const first = room.indexOf(':');
  if (first < 0) return null;
  const kind = room.slice(0, first);
  const rest = room.slice(first + 1);
  if (kind === 'prices') return isMarketSymbol(rest) ? { kind, symbol: rest } : null;
  if (kind === 'market') {
    const second = rest.indexOf(':');
    const channel = rest.slice(0, second) as MarketChannel;
    const symbol = rest.slice(second + 1);
    if (second < 0 || !MARKET_CHANNELS.includes(channel) || !isMarketSymbol(symbol)) return null;
    return { kind, channel, symbol };
  }
  if ((USER_STREAMS as readonly string[]).includes(kind) && isUserId(rest)) {
    return { kind: kind as UserStream, userId: rest };
  }
  return null;
}
