import type { ConnectionAuthenticated, MarketDepth, NamespaceName, UserRecoverySince } from '@ws/protocol';
import {
  isStreamEventName,
  PUBLISHABLE_EVENT_NAMES,
  PublishableEventTraits,
  roomOfEvent,
  streamOfRoom,
  USER_STREAMS,
} from '@ws/protocol/runtime';
import type { LiveOrderBook } from './order-book.js';
import { type GapEvent, SequenceTracker } from './sequence-tracker.js';

/** Where routed events go. */
export interface StreamSink {
  /** An event for the app's listeners. */
  deliver_(event: string, payload: unknown): void;
  gap_(gap: GapEvent): void;
  /** `validateEvent` refused (or threw on) an event, which was dropped. */
  invalid_(event: string): void;
}

/** The room a stream event was published to (for seq tracking); the `/user` connection's user keys private rooms. */
function roomOf(event: string, payload: Record<string, unknown>, userId: string | null | undefined): string | null {
  if (!isStreamEventName(event)) return null;
  return roomOfEvent(event, typeof payload.symbol === 'string' ? payload.symbol : '', userId ?? '');
}

function namespaceOfRoom(room: string): string | undefined {
  const stream = streamOfRoom(room);
  for (const event of PUBLISHABLE_EVENT_NAMES) {
    if (PublishableEventTraits[event].stream === stream) return PublishableEventTraits[event].namespace;
  }
  return undefined;
}

/**
 * Routes server stream events: depth to its live order book, everything else through seq tracking
 * (a jump is a `gap`), then to the app. Knows where each `/user` stream continues, for `auth.since`.
 */
export class StreamRouter {
  readonly #tracker = new SequenceTracker();

  readonly #books: ReadonlyMap<string, LiveOrderBook>;
  readonly #sink: StreamSink;
  readonly #validate: ((event: string, payload: unknown) => boolean) | undefined;

  constructor(
    books: ReadonlyMap<string, LiveOrderBook>,
    sink: StreamSink,
    validate: ((event: string, payload: unknown) => boolean) | undefined,
  ) {
    this.#books = books;
    this.#sink = sink;
    this.#validate = validate;
  }

  /** One server event of a stream; `userId` is the `/user` connection's user. */
  route_(event: string, payload: unknown, userId: string | null | undefined): void {
    if (!payload || typeof payload !== 'object' || !this.accepts_(event, payload)) return;
    const data = payload as Record<string, unknown>;
    const book = event === 'market.depth' ? this.#books.get(String(data.symbol)) : undefined;
    if (book) book.handle(payload as MarketDepth);
    else if (typeof data.seq === 'number') {
      const room = roomOf(event, data, userId);
      const gap = room ? this.#tracker.observe(room, data.seq) : null;
      if (gap) this.#sink.gap_(gap);
    }
    this.#sink.deliver_(event, payload);
    if (event === 'price.update' && typeof data.symbol === 'string')
      this.#sink.deliver_(`price:${data.symbol}`, payload);
  }

  /** Runs `validateEvent`; a rejected (or throwing) check drops the event and reports it. */
  accepts_(event: string, payload: unknown): boolean {
    if (!this.#validate) return true;
    let ok = false;
    try {
      ok = this.#validate(event, payload);
    } catch {
      ok = false;
    }
    if (!ok) this.#sink.invalid_(event);
    return ok;
  }

  /** The namespace dropped: the first message of each of its rooms is compared with the last before the drop. */
  suspend_(ns: NamespaceName): void {
    this.#tracker.markRestoring((room) => namespaceOfRoom(room) === ns);
  }

  forget_(room: string): void {
    this.#tracker.forget(room);
  }

  /**
   * Takes `streams` (where each private stream continues) as the last seq per room, so the next
   * reconnect's `since` covers streams that had no event yet; a value other than the one the client
   * had is a stream the server could not replay (a gap).
   */
  seedUserStreams_(payload: ConnectionAuthenticated): void {
    const streams: unknown = payload?.streams;
    const userId = payload?.userId;
    if (!streams || typeof streams !== 'object' || typeof userId !== 'string') return;
    for (const stream of USER_STREAMS) {
      const seq = (streams as Record<string, unknown>)[stream];
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) continue;
      const gap = this.#tracker.seed(`${stream}:${userId}`, seq);
      if (gap) this.#sink.gap_(gap);
    }
  }

  /** `auth.since` of a `/user` reconnect: only streams with a known seq (from 0 would replay events from before this session). */
  since_(userId: string): UserRecoverySince | undefined {
    const since: UserRecoverySince = {};
    for (const stream of USER_STREAMS) {
      const seq = this.#tracker.lastSeq(`${stream}:${userId}`);
      if (seq !== undefined) since[stream] = seq;
    }
    return Object.keys(since).length > 0 ? since : undefined;
  }
}
