/** The key prefix of every Redis key and channel when none is configured. */
export const DEFAULT_REDIS_PREFIX = 'ws';

/**
 * The one joining rule for every Redis key and channel of the server (sequences, snapshots, history, books,
 * bus, adapter, rate limits, user channel counters): the prefix, then each part, separated by `:`. A prefix
 * that already ends in `:` is not doubled, so `ws` and `ws:` both give `ws:{prices:BTC/USDT}:seq` and `ws:{prices:BTC/USDT}:bus`.
 */
export function redisKey(prefix: string, ...parts: string[]): string {
  const stem = prefix.endsWith(':') ? prefix.slice(0, -1) : prefix;
  return [stem, ...parts].join(':');
}

/**
 * The bus channel of one room: `<prefix>:{room}:bus`. The `{room}` hash tag puts it in the slot of the room's
 * seq, snapshot, history and book keys, so on Redis Cluster the publish script's SPUBLISH runs on the shard
 * that already holds the room and reaches only the nodes subscribed to that room.
 */
export function busChannel(prefix: string, room: string): string {
  return redisKey(prefix, `{${room}}`, 'bus');
}
