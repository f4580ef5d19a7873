// Schema-free, so `@ws/protocol/runtime` carries it: the client and tools derive rooms from it without TypeBox.
import type { NamespaceName } from './namespaces.js';
import type { MarketChannel, UserStream } from './rooms.js';

/** What one message of an event is to its room. */
export type EventState =
  /**
   * The room's complete latest state: a newer message makes an unsent older one worthless (so it may be
   * conflated), and the last one is what a new or resuming subscriber gets first.
   */
  | 'latest'
  /** A snapshot or delta of the room's order book: a new or resuming subscriber gets the book. */
  | 'book'
  /** One event among many: every one matters, none supersedes another. */
  | 'event';

/** The family of rooms an event is published to: the room name is `{stream}:{symbol}` or `{stream}:{userId}`. */
export type RoomStream = 'prices' | `market:${MarketChannel}` | UserStream;

/** Where and how an event is published, besides its schemas (which live in `PublishableEvents`). */
export interface EventTraits {
  namespace: NamespaceName | 'all';
  /** Its rooms' family; `null` for an event sent to every client of every namespace (no room, no seq). */
  stream: RoomStream | null;
  /** Private events go to one user's room and need a `userId`; public ones are keyed by `symbol`. */
  private: boolean;
  state: EventState;
}

/**
 * Every publishable event's namespace, room family and state: the one table the server's snapshot,
 * conflation, slow-consumer and cluster-storage sets, the client's seq tracking and the stress tool
 * derive from. `PublishableEvents` adds the schemas to the same names (pinned by a test).
 */
export const PublishableEventTraits = {
  'price.update': { namespace: '/prices', stream: 'prices', private: false, state: 'latest' },
  'price.trade': { namespace: '/prices', stream: 'prices', private: false, state: 'event' },
  'market.stats': { namespace: '/market', stream: 'market:stats', private: false, state: 'latest' },
  'market.ticker': { namespace: '/market', stream: 'market:ticker', private: false, state: 'latest' },
  'market.trades': { namespace: '/market', stream: 'market:trades', private: false, state: 'event' },
  'market.depth': { namespace: '/market', stream: 'market:depth', private: false, state: 'book' },
  'order.new': { namespace: '/user', stream: 'orders', private: true, state: 'event' },
  'order.update': { namespace: '/user', stream: 'orders', private: true, state: 'event' },
  'order.filled': { namespace: '/user', stream: 'orders', private: true, state: 'event' },
  'order.cancelled': { namespace: '/user', stream: 'orders', private: true, state: 'event' },
  'position.update': { namespace: '/user', stream: 'positions', private: true, state: 'event' },
  'position.liquidated': { namespace: '/user', stream: 'positions', private: true, state: 'event' },
  'wallet.update': { namespace: '/user', stream: 'wallet', private: true, state: 'event' },
  'margin.call': { namespace: '/user', stream: 'user', private: true, state: 'event' },
  'system.message': { namespace: 'all', stream: null, private: false, state: 'event' },
} as const satisfies Record<string, EventTraits>;

export type PublishableEventName = keyof typeof PublishableEventTraits;
/** The publishable events published to a room (every one but `system.message`): they carry a per-room `seq`. */
export type StreamEventName = {
  [E in PublishableEventName]: (typeof PublishableEventTraits)[E]['stream'] extends null ? never : E;
}[PublishableEventName];

/** The stream events of one namespace. */
export type StreamEventOf<N extends NamespaceName> = {
  [E in StreamEventName]: (typeof PublishableEventTraits)[E]['namespace'] extends N ? E : never;
}[StreamEventName];

// Pure (down to the arguments): a bundler may drop them when unused, also inside a lazily loaded module.
export const PUBLISHABLE_EVENT_NAMES = /* @__PURE__ */ Object.keys(PublishableEventTraits) as PublishableEventName[];

export function isPublishableEventName(value: unknown): value is PublishableEventName {
  return typeof value === 'string' && Object.hasOwn(PublishableEventTraits, value);
}

/** Published to a room with a per-room `seq` (as opposed to `system.message` and lifecycle events). */
export function isStreamEventName(value: unknown): value is StreamEventName {
  return isPublishableEventName(value) && PublishableEventTraits[value].stream !== null;
}

/**
 * Events whose message is its room's complete latest state: the room's snapshot for new subscribers, and
 * what overload and slow-consumer conflation may supersede.
 */
export const LATEST_STATE_EVENTS: ReadonlySet<PublishableEventName> = /* @__PURE__ */ new Set(
  /* @__PURE__ */ PUBLISHABLE_EVENT_NAMES.filter((e) => PublishableEventTraits[e].state === 'latest'),
);

/**
 * Room families a subscriber can (re)start from the room's latest state (its snapshot or its book) instead
 * of every message: a slow consumer may be paused on them and resumed later without losing anything it needs.
 */
export const LATEST_STATE_STREAMS: ReadonlySet<RoomStream> = /* @__PURE__ */ new Set(
  /* @__PURE__ */ PUBLISHABLE_EVENT_NAMES.flatMap((e) => {
    const { stream, state } = PublishableEventTraits[e];
    return stream !== null && state !== 'event' ? [stream] : [];
  }),
);

/** The room family of a room name (`market:depth` of `market:depth:BTC/USDT`); no validation. */
export function streamOfRoom(room: string): string {
  return room.slice(0, room.lastIndexOf(':'));
}

/**
 * The room a stream event was published to, from the symbol (public) or user id (private) it is keyed by;
 * `null` for an event without a room. Builds the name without validating: for routing received messages.
 * Publishers use `rooms` (or `PublishableEvents[e].room`), which validate.
 */
export function roomOfEvent(event: PublishableEventName, symbol: string, userId: string): string | null {
  const { stream, private: isPrivate } = PublishableEventTraits[event];
  return stream === null ? null : `${stream}:${isPrivate ? userId : symbol}`;
}

/** The stream events a namespace delivers, in catalog order. */
export function streamEventsOf<N extends NamespaceName>(namespace: N): StreamEventOf<N>[] {
  return PUBLISHABLE_EVENT_NAMES.filter(
    (e) => PublishableEventTraits[e].namespace === namespace && PublishableEventTraits[e].stream !== null,
  ) as StreamEventOf<N>[];
}
