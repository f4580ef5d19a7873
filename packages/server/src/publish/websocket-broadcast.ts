import {
  describeIssues,
  isPublishableEventName,
  isUserId,
  LATEST_STATE_EVENTS,
  type MarginCall,
  type MarginCallInput,
  type MarketDepth,
  type MarketDepthInput,
  type MarketStats,
  type MarketStatsInput,
  type MarketTicker,
  type MarketTickerInput,
  type MarketTrades,
  type MarketTradesInput,
  type NamespaceName,
  normalizeDecimals,
  type OrderEvent,
  type OrderEventInput,
  type OrderStatus,
  type PositionEvent,
  type PositionEventInput,
  type PriceTrade,
  type PriceTradeInput,
  type PriceUpdate,
  type PriceUpdateInput,
  type PublishableEventName,
  PublishableEvents,
  type PublishItem,
  publishValidators,
  type SystemMessage,
  type SystemMessageInput,
  type ValidationIssue,
  type WalletUpdate,
  type WalletUpdateInput,
} from '@ws/protocol';
import type { NamespaceMessage, RoomMessage } from '../delivery/room-message.js';
import { epochNow } from '../epoch-clock.js';
import type { DepthUpdate, OrderBooks } from '../state/order-books.js';
import type { SequenceStore } from '../state/sequence-store.js';
import type { SequencedMessage } from '../state/sequenced-message.js';
import type { SnapshotStore } from '../state/snapshot-store.js';
import type { MemoryUserStreamHistory } from '../state/user-stream-history.js';
import type { ValidatedPayload } from '../validated-payload.js';
import { WsError } from '../ws-error.js';

type Catalog = typeof PublishableEvents;
/** What a publisher passes for an event. */
export type PublishInput<E extends PublishableEventName> = ValidatedPayload<(typeof publishValidators)[E]['input']>;
/** What goes on the wire for an event. */
export type WirePayload<E extends PublishableEventName> = ValidatedPayload<(typeof publishValidators)[E]['wire']>;

/** One item of `publishBatch`: the protocol's publish envelope. */
export type { PublishItem } from '@ws/protocol';

export type OrderEventName = 'order.new' | 'order.update' | 'order.filled' | 'order.cancelled';

/** Options of `publishBatch`. */
export interface PublishOptions {
  /**
   * When the messages entered the platform (epoch ms, sub-ms allowed), e.g. when an HTTP publish request
   * arrived; propagation latency counts from here. Default: the call.
   */
  receivedAt?: number;
}

/** Where the broadcaster hands a finished wire message: a room's members, or every client of a namespace. */
export interface BroadcastDelivery {
  toRoom(message: RoomMessage): void;
  toNamespace(message: NamespaceMessage): void;
  /** Runs `fn` as one delivery batch (frames per connection written together at its end); optional. */
  batch?<T>(fn: () => T): T;
}

export interface WebSocketBroadcastDeps {
  /** Local delivery (single node); in cluster mode room messages go to `cluster` instead. */
  delivery: BroadcastDelivery;
  sequences: SequenceStore;
  snapshots: SnapshotStore;
  books: OrderBooks;
  isKnownSymbol(symbol: string): boolean;
  allowUnknownSymbols: boolean;
  /** Namespaces a `system.message` goes to. */
  namespaces: readonly NamespaceName[];
  /** Cluster publish path (Redis): seq, stored state and fan-out happen there instead of locally. */
  cluster?: {
    publish(message: SequencedMessage): Promise<object>;
    /** Throws (UNAVAILABLE) when messages of these kinds cannot be published now. */
    assertAvailable?(kinds: Iterable<SequencedMessage['kind']>): void;
  };
  /** Single-node `/user` history for replay after reconnects. */
  history?: MemoryUserStreamHistory;
}

interface Prepared {
  event: PublishableEventName;
  namespace: NamespaceName | 'all';
  room: string | null;
  data: Record<string, unknown>;
  enteredAt: number;
}

const ORDER_EVENT_BY_STATUS: Record<OrderStatus, OrderEventName> = {
  new: 'order.new',
  partially_filled: 'order.update',
  filled: 'order.filled',
  cancelled: 'order.cancelled',
  rejected: 'order.cancelled',
  expired: 'order.cancelled',
};

/**
 * Publishes every server→client event of the contract. Each call validates synchronously (a bad payload
 * throws `WsError` INVALID_PAYLOAD / UNKNOWN_SYMBOL and nothing is sent), normalises decimals to strings,
 * stamps `timestamp`, assigns the room's next `seq` and emits; the promise resolves to the wire payload.
 * Messages of one room are emitted in call order even with an async sequence store.
 */
export class WebSocketBroadcast {
  /** Tail of the pending chain per room, only while an async seq is outstanding. */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: WebSocketBroadcastDeps) {}

  /** `price.update` to `prices:{symbol}`. */
  broadcastPriceUpdate(
    symbol: string,
    data: Omit<PriceUpdateInput, 'symbol'> & { symbol?: string },
  ): Promise<PriceUpdate> {
    return this.publish('price.update', { ...data, symbol });
  }

  /** `price.trade` to `prices:{symbol}`. */
  broadcastTrade(data: PriceTradeInput): Promise<PriceTrade> {
    return this.publish('price.trade', data);
  }

  /** `market.stats` to `market:stats:{symbol}`. */
  broadcastMarketStats(data: MarketStatsInput): Promise<MarketStats> {
    return this.publish('market.stats', data);
  }

  /** `market.depth` (snapshot or delta) to `market:depth:{symbol}`; the server's book computes prevSeq and checksum. */
  broadcastDepth(data: MarketDepthInput): Promise<MarketDepth> {
    return this.publish('market.depth', data);
  }

  /** `market.trades` to `market:trades:{symbol}`. */
  broadcastMarketTrades(data: MarketTradesInput): Promise<MarketTrades> {
    return this.publish('market.trades', data);
  }

  /** `market.ticker` to `market:ticker:{symbol}`. */
  broadcastTicker(data: MarketTickerInput): Promise<MarketTicker> {
    return this.publish('market.ticker', data);
  }

  /** An order event to `orders:{userId}`; the event follows `order.status` unless given. */
  broadcastOrderUpdate(userId: string, order: OrderEventInput, event?: OrderEventName): Promise<OrderEvent> {
    const picked = event ?? ORDER_EVENT_BY_STATUS[order.status] ?? 'order.update';
    return this.publish(picked, order, userId);
  }

  /** `position.update` to `positions:{userId}`. */
  broadcastPositionUpdate(userId: string, position: PositionEventInput): Promise<PositionEvent> {
    return this.publish('position.update', position, userId);
  }

  /** `position.liquidated` to `positions:{userId}`. */
  broadcastPositionLiquidated(userId: string, position: PositionEventInput): Promise<PositionEvent> {
    return this.publish('position.liquidated', position, userId);
  }

  /** `wallet.update` to `wallet:{userId}`. */
  broadcastWalletUpdate(userId: string, wallet: WalletUpdateInput): Promise<WalletUpdate> {
    return this.publish('wallet.update', wallet, userId);
  }

  /** `margin.call` to `user:{userId}`. */
  broadcastMarginCall(userId: string, call: MarginCallInput): Promise<MarginCall> {
    return this.publish('margin.call', call, userId);
  }

  /** `system.message` to every client of every namespace (no seq). */
  broadcastSystemMessage(message: SystemMessageInput): Promise<SystemMessage> {
    return this.publish('system.message', message);
  }

  /** Publishes any publishable event by name; private events need `userId`. Throws WsError on bad input. */
  publish<E extends PublishableEventName>(event: E, data: PublishInput<E>, userId?: string): Promise<WirePayload<E>>;
  publish(event: string, data: unknown, userId?: string): Promise<object>;
  publish(event: string, data: unknown, userId?: string): Promise<object> {
    return this.dispatch(this.prepare(event, data, userId, '', epochNow()));
  }

  /** Validates every item first; publishes all of them only if all are valid, otherwise throws and sends nothing. */
  publishBatch(items: readonly PublishItem[], options: PublishOptions = {}): Promise<object[]> {
    const enteredAt = options.receivedAt ?? epochNow();
    const prepared = items.map((item, i) => this.prepare(item.event, item.data, item.userId, `/${i}`, enteredAt));
    // A private item that cannot be published now fails the whole batch before any item is sent.
    this.deps.cluster?.assertAvailable?.(prepared.map((p) => kindOf(p)));
    // One batch: a connection due several of these items gets their frames in one write. One item goes to
    // one room, so no connection is due two of its frames: written as it fans out, without collecting first.
    const dispatchAll = () => prepared.map((p) => this.dispatch(p));
    const delivery = this.deps.delivery;
    const dispatched = delivery.batch && prepared.length > 1 ? delivery.batch(dispatchAll) : dispatchAll();
    return Promise.all(dispatched);
  }

  private prepare(event: string, data: unknown, userId: string | undefined, path: string, enteredAt: number): Prepared {
    if (!isPublishableEventName(event)) {
      throw invalid(`unknown event ${JSON.stringify(String(event).slice(0, 64))}`, [
        { path: `${path}/event`, message: 'not a publishable event' },
      ]);
    }
    const def: Catalog[PublishableEventName] = PublishableEvents[event];
    if (def.private && !isUserId(userId)) {
      throw invalid(`${event} needs a valid userId`, [{ path: `${path}/userId`, message: 'invalid user id' }]);
    }
    const result = publishValidators[event].input.validate(data);
    if (!result.ok) {
      const details = result.errors.map((e) => ({ path: `${path}${e.path}`, message: e.message }));
      throw invalid(`invalid ${event} payload: ${describeIssues(result.errors)}`, details);
    }
    const input = result.value as { symbol?: string };
    // Private events too: an order or position on a market the gateway does not list is a publisher bug.
    if (typeof input.symbol === 'string' && !this.deps.allowUnknownSymbols && !this.deps.isKnownSymbol(input.symbol)) {
      throw new WsError('UNKNOWN_SYMBOL', `unknown symbol: ${input.symbol}`, {
        details: [{ path: `${path}/symbol`, message: 'not a configured symbol' }],
      });
    }
    let normalized: Record<string, unknown>;
    try {
      normalized = normalizeDecimals(def.input, result.value) as Record<string, unknown>;
    } catch (err) {
      // The schema checks every decimal with the conversion itself; this only guards a schema without that check.
      throw new WsError('INVALID_PAYLOAD', `invalid ${event} payload: a decimal has no wire form`, {
        details: [{ path: path || '/', message: 'a decimal has no plain form of at most 64 characters' }],
        cause: err,
      });
    }
    const now = Date.now();
    normalized.timestamp ??= now;
    if (event === 'market.trades') {
      const trades = normalized.trades as { timestamp?: number }[];
      normalized.trades = trades.map((t) => ({ ...t, timestamp: t.timestamp ?? (normalized.timestamp as number) }));
    }
    return { event, namespace: def.namespace, room: def.room(input, userId), data: normalized, enteredAt };
  }

  private dispatch(p: Prepared): Promise<object> {
    if (p.namespace === 'all' || p.room === null) {
      for (const namespace of this.deps.namespaces) {
        this.deps.delivery.toNamespace({ namespace, event: p.event, payload: p.data });
      }
      return Promise.resolve(p.data);
    }
    const room = p.room;
    const ns = p.namespace;
    if (this.deps.cluster) {
      return this.deps.cluster.publish({
        namespace: ns,
        room,
        event: p.event,
        data: p.data,
        kind: kindOf(p),
        enteredAt: p.enteredAt,
      });
    }
    return this.sequenced(room, (seq) => {
      let wire: Record<string, unknown>;
      if (PublishableEvents[p.event].state === 'book') {
        wire = this.deps.books.apply(p.data as unknown as DepthUpdate, seq) as unknown as Record<string, unknown>;
      } else {
        wire = { ...p.data, seq };
        if (LATEST_STATE_EVENTS.has(p.event)) this.deps.snapshots.set(room, { event: p.event, payload: wire });
      }
      this.deps.delivery.toRoom({ namespace: ns, room, event: p.event, payload: wire, enteredAt: p.enteredAt });
      if (ns === '/user') this.deps.history?.append(room, { seq, event: p.event, payload: wire });
      return wire;
    });
  }

  /** Runs `fn` with the room's next seq, after every earlier message of the room. Synchronous when it can be. */
  private sequenced<T>(room: string, fn: (seq: number) => T): Promise<T> {
    const tail = this.tails.get(room);
    let result: Promise<T>;
    if (tail === undefined) {
      let seq: number | Promise<number>;
      try {
        seq = this.deps.sequences.next(room);
        if (typeof seq === 'number') return Promise.resolve(fn(seq));
      } catch (err) {
        return Promise.reject(err);
      }
      result = seq.then(fn);
    } else {
      result = tail.then(() => this.deps.sequences.next(room)).then(fn);
    }
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(room, settled);
    void settled.then(() => {
      if (this.tails.get(room) === settled) this.tails.delete(room);
    });
    return result;
  }
}

/** What the cluster stores for a message: a depth book, a latest-state snapshot, `/user` history, or nothing. */
function kindOf(p: Prepared): SequencedMessage['kind'] {
  const { state } = PublishableEvents[p.event];
  if (state === 'book') return 'depth';
  if (state === 'latest') return 'snapshot';
  return p.namespace === '/user' ? 'history' : 'plain';
}

function invalid(message: string, details: ValidationIssue[]): WsError {
  return new WsError('INVALID_PAYLOAD', message, { details: details.slice(0, 100) });
}
