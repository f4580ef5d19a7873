/** The namespace a stream event belongs to. */
export function namespaceOfEvent(event: string): string {
  if (event.startsWith('price.')) return '/prices';
  if (event.startsWith('market.')) return '/market';
  return '/user';
}

/** The room whose `seq` a message continues (seq is per room), from its event and symbol. */
export function roomOfEvent(event: string, symbol: string | null): string {
  if (event.startsWith('price.')) return `prices:${symbol ?? ''}`;
  if (event.startsWith('market.')) return `market:${event.slice(7)}:${symbol ?? ''}`;
  if (event.startsWith('order.')) return 'orders';
  if (event.startsWith('position.')) return 'positions';
  if (event === 'wallet.update') return 'wallet';
  return 'user';
}

/** Events that carry the publisher's sub-ms stamp in a decimal field when this tool publishes them. */
export const STAMP_FIELDS: Readonly<Record<string, string>> = { 'price.update': 'volume' };

const STREAM_PREFIXES = ['price.', 'market.', 'order.', 'position.', 'wallet.', 'margin.'];

/** Published stream events, as opposed to lifecycle events (`connection.authenticated`, `subscription.confirmed`…). */
export function isStreamEvent(event: string): boolean {
  for (const prefix of STREAM_PREFIXES) if (event.startsWith(prefix)) return true;
  return false;
}
