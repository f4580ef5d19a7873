import { parseRoom } from '@ws/protocol';
import { redisKey } from '../redis-keys.js';

/** The room a bus channel of this prefix carries; undefined for any other channel (the adapter's, another prefix's). */
export function roomOfBusChannel(prefix: string, channel: string): string | undefined {
  const head = redisKey(prefix, '{');
  if (!channel.startsWith(head) || !channel.endsWith('}:bus')) return undefined;
  return channel.slice(head.length, -'}:bus'.length);
}

/**
 * Whether a Socket.IO room carries sequenced messages on the bus: a public stream (`prices:…`, `market:…`) or a
 * private one (`orders:…`, `positions:…`, `wallet:…`). Socket ids and `user:<id>` (disconnect-by-user) are not.
 */
export function isBusRoom(room: string): boolean {
  return parseRoom(room) !== null;
}
