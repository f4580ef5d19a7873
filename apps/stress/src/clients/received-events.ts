import type { ClientStats, EventCounter } from './client-stats.js';
import { KeyFinder, needle } from './frame-fields.js';
import { isPrivateStreamEvent, isStreamEvent, roomOfEvent, STAMP_FIELDS } from './stream-room.js';

/** The seq state of one room: the last seq seen, -1 before the first message. */
export interface RoomSeq {
  last: number;
}

/** What a client learned about one event name the first time it received it. */
export interface EventKind {
  readonly name: string;
  /** `"name"`: recognises the event in place in later frames, without slicing it out. */
  readonly quoted: string;
  /** Counter of this stream event; null for lifecycle events (`connection.authenticated`, `error`…). */
  readonly counter: EventCounter | null;
  /** Finders of `seq`, of the field carrying the publisher's sub-ms stamp (if the event has one) and of
   * `timestamp`, each learning where its key sits in this event's frames. */
  readonly seqKey: KeyFinder;
  readonly stampKey: KeyFinder | null;
  readonly timestampKey: KeyFinder;
  /** The room when it does not depend on the symbol (`/user` streams). */
  readonly fixedRoom: RoomSeq | null;
  /** Per-symbol rooms seen: the symbol followed by its closing quote, for an in-place compare. */
  readonly rooms: { readonly symbolQuoted: string | null; readonly seq: RoomSeq }[];
}

const SYMBOL = needle('symbol');
const SEQ = needle('seq');
const TIMESTAMP = needle('timestamp');
/** Beyond these, lookups still work but are not cached (a client sees a handful of events and symbols). */
const MAX_KINDS = 32;
const MAX_ROOMS_PER_KIND = 64;

/**
 * One client's memory of the events it receives, so a frame costs prefix compares instead of slicing the
 * event name and symbol out, building a room name and hashing both into maps.
 */
export class ReceivedEvents {
  private readonly kinds: EventKind[] = [];
  private readonly rooms = new Map<string, RoomSeq>();

  constructor(
    private readonly stats: ClientStats,
    private readonly namespace: string,
  ) {}

  /** The event whose quoted name starts at `quote` in `text` (the name must be closed by a quote). */
  at(text: string, quote: number): EventKind | null {
    const { kinds } = this;
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i] as EventKind;
      if (text.startsWith(kind.quoted, quote)) return kind;
    }
    const end = text.indexOf('"', quote + 1);
    if (end < 0) return null;
    const kind = this.learn(text.slice(quote + 1, end));
    if (kinds.length < MAX_KINDS) kinds.push(kind);
    return kind;
  }

  /** The seq state of the room `text` (a message of `kind`) belongs to. */
  roomOf(kind: EventKind, text: string): RoomSeq {
    if (kind.fixedRoom !== null) return kind.fixedRoom;
    const key = text.indexOf(SYMBOL);
    const at = key >= 0 && text.charCodeAt(key + SYMBOL.length) === 34 ? key + SYMBOL.length + 1 : -1;
    const { rooms } = kind;
    for (let i = 0; i < rooms.length; i++) {
      const room = rooms[i] as EventKind['rooms'][number];
      if (room.symbolQuoted === null ? at < 0 : at >= 0 && text.startsWith(room.symbolQuoted, at)) return room.seq;
    }
    const end = at < 0 ? -1 : text.indexOf('"', at);
    const symbol = end < 0 ? null : text.slice(at, end);
    const seq = this.room(roomOfEvent(kind.name, symbol));
    // An unterminated symbol reads as none, but must not be cached as "no symbol".
    if (rooms.length < MAX_ROOMS_PER_KIND && (at < 0 || end >= 0)) {
      rooms.push({ symbolQuoted: symbol === null ? null : `${symbol}"`, seq });
    }
    return seq;
  }

  private learn(name: string): EventKind {
    const stream = isStreamEvent(name);
    const stampField = STAMP_FIELDS[name];
    const symbolFree = isPrivateStreamEvent(name);
    return {
      name,
      quoted: `"${name}"`,
      counter: stream ? this.stats.eventCounter(this.namespace, name) : null,
      seqKey: new KeyFinder(SEQ),
      stampKey: stampField === undefined ? null : new KeyFinder(needle(stampField)),
      timestampKey: new KeyFinder(TIMESTAMP),
      fixedRoom: symbolFree ? this.room(roomOfEvent(name, null)) : null,
      rooms: [],
    };
  }

  private room(name: string): RoomSeq {
    let seq = this.rooms.get(name);
    if (seq === undefined) {
      seq = { last: -1 };
      this.rooms.set(name, seq);
    }
    return seq;
  }
}
