import { parseRoom } from '@ws/protocol';
import { redisKey } from '../redis-keys.js';

/** The room a bus channel of this prefix carries; undefined for any other channel (the adapter's, another prefix's). */
export function roomOfBusChannel(prefix: string, channel: string): string | undefined {
  const head = redisKey(prefix, '{');
  if (!channel.startsWith(head) || !channel.endsWith('}:bus')) return undefined;
  return channel.slice(head.length, -'}:bus'.length);
}

/**
 * Whether a room of this namespace's adapter carries sequenced messages on the bus: a public stream of its
 * namespace (`prices:…` on `/prices`, `market:…` on `/market`) or a private one on `/user` (`user:…`,
 * `orders:…`, `positions:…`, `wallet:…`). Socket ids are not, nor the `user:<id>` room a `/prices` or `/market`
 * socket joins for disconnect-by-user: its bus messages (`margin.call`) go to `/user` sockets only.
 */
export function isBusRoom(namespace: string, room: string): boolean {
  const parsed = parseRoom(room);
  if (parsed === null) return false;
  const of = parsed.kind === 'prices' ? '/prices' : parsed.kind === 'market' ? '/market' : '/user';
  return of === namespace;
}
