import {
  bookChecksum,
  DEFAULT_SNAPSHOT_DEPTH,
  inboundValidators,
  MAX_SNAPSHOT_DEPTH,
  type MarketChannel,
  type MarketDepth,
  rooms,
  SNAPSHOT_DEPTH_COST,
} from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { OutboundEvent } from '../delivery/room-message.js';
import type { PreEncodedJson } from '../encoding/pre-encoded-json.js';
import { type InboundRoute, route } from '../inbound/inbound-handler.js';
import type { OrderBooks } from '../state/order-books.js';
import type { SnapshotStore } from '../state/snapshot-store.js';
import type { RoomRequest, SubscriptionManager } from '../subscriptions/subscription-manager.js';
import type { UserChannelGuard } from '../subscriptions/user-channel-guard.js';
import { applySubscribe, type Prepare, planSubscribe, prepared, type SubscribePlan } from './subscribe-flow.js';

export interface MarketNamespaceDeps {
  subscriptions: SubscriptionManager;
  snapshots: SnapshotStore;
  books: OrderBooks;
  /** Cluster-wide per-user channel limit (with Redis). */
  guard?: UserChannelGuard;
  /** Loads what new subscribers of the rooms get first (cluster: snapshots and books from Redis). */
  prepare?: Prepare;
  send(socket: Socket, message: OutboundEvent): void;
}

/**
 * `/market`: subscribe/unsubscribe to channel × symbol rooms and `market.snapshot`. A new subscriber gets
 * the depth snapshot from the book, and the latest stats and ticker.
 */
export function marketRoutes(deps: MarketNamespaceDeps): Record<string, InboundRoute> {
  const { subscriptions, send, guard } = deps;
  return {
    subscribe: route(
      inboundValidators['/market'].subscribe,
      (_payload, ctx, plan: SubscribePlan<MarketRoomRequest>) => {
        const { requested } = plan;
        // Join and read the snapshots in this same tick: no update can fall between the snapshot and the stream.
        const addedRooms = new Set(applySubscribe(subscriptions, ctx, requested, plan.reservation));
        const added = requested.filter((r) => addedRooms.has(r.room));
        const initial = added.map((r) => initialMessage(deps, r)).filter((m) => m !== undefined);
        ctx.afterAck(() => {
          send(ctx.socket, {
            event: 'subscription.confirmed',
            payload: { namespace: '/market', channels: requested.map((r) => r.room) },
          });
          for (const m of initial) send(ctx.socket, m);
        });
        return { channels: requested.map((r) => r.room) };
      },
      {
        // Synchronous on a single node without a user guard: no promise per subscribe.
        before: (payload, ctx) => {
          const symbols = [...new Set(payload.symbols)];
          subscriptions.assertKnownSymbols(symbols);
          return planSubscribe(deps, ctx, expand([...new Set(payload.channels)], symbols));
        },
      },
    ),
    unsubscribe: route(inboundValidators['/market'].unsubscribe, (payload, ctx) => {
      const requested = expand([...new Set(payload.channels)], [...new Set(payload.symbols)]);
      const removed = subscriptions.unsubscribe(
        ctx.socket.id,
        requested.map((r) => r.room),
      );
      guard?.release(ctx.socket.id, removed.length);
      for (const room of removed) void ctx.socket.leave(room);
      return { channels: requested.map((r) => r.room) };
    }),
    'market.snapshot': route(
      inboundValidators['/market']['market.snapshot'],
      (payload) => ({ depth: depthSnapshot(deps.books, payload.symbol, payload.depth ?? DEFAULT_SNAPSHOT_DEPTH) }),
      {
        // Charged by the levels it sends, like an exchange's depth endpoint: a deep snapshot is not a ping.
        cost: (payload) => SNAPSHOT_DEPTH_COST[payload.depth ?? DEFAULT_SNAPSHOT_DEPTH],
        before: (payload, ctx) => {
          subscriptions.assertKnownSymbols([payload.symbol]);
          return prepared(deps, [{ room: rooms.market('depth', payload.symbol) }], ctx);
        },
      },
    ),
  };
}

/**
 * The book's top `depth` levels, encoded once per book version and shared by every requester; an empty
 * book (seq 0) for a symbol nothing was published for yet.
 */
function depthSnapshot(books: OrderBooks, symbol: string, depth: number): PreEncodedJson<MarketDepth> | MarketDepth {
  return (
    books.encodedSnapshot(symbol, depth) ?? {
      symbol,
      type: 'snapshot',
      bids: [],
      asks: [],
      seq: 0,
      prevSeq: 0,
      checksum: bookChecksum([], []),
      timestamp: Date.now(),
    }
  );
}

function initialMessage(
  deps: MarketNamespaceDeps,
  r: MarketRoomRequest,
): { event: string; payload: object } | undefined {
  if (r.channel === 'depth') {
    const depth = deps.books.encodedSnapshot(r.symbol, MAX_SNAPSHOT_DEPTH);
    return depth ? { event: 'market.depth', payload: depth } : undefined;
  }
  if (r.channel === 'trades') return undefined;
  const latest = deps.snapshots.get(r.room);
  return latest ? { event: latest.event, payload: latest.payload } : undefined;
}

interface MarketRoomRequest extends RoomRequest {
  channel: MarketChannel;
}

function expand(channels: readonly MarketChannel[], symbols: readonly string[]): MarketRoomRequest[] {
  const out: MarketRoomRequest[] = [];
  for (const symbol of symbols) {
    for (const channel of channels) out.push({ room: rooms.market(channel, symbol), symbol, channel });
  }
  return out;
}
