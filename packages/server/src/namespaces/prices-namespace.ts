import { inboundValidators, rooms } from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { OutboundEvent } from '../delivery/room-message.js';
import { type InboundRoute, route } from '../inbound/inbound-handler.js';
import type { SnapshotStore } from '../state/snapshot-store.js';
import type { SubscriptionManager } from '../subscriptions/subscription-manager.js';
import type { UserChannelGuard } from '../subscriptions/user-channel-guard.js';
import { applySubscribe, type Prepare, planSubscribe, type SubscribePlan } from './subscribe-flow.js';

export interface PricesNamespaceDeps {
  subscriptions: SubscriptionManager;
  snapshots: SnapshotStore;
  /** Cluster-wide per-user channel limit (with Redis). */
  guard?: UserChannelGuard;
  /** Loads what new subscribers of the rooms get first (cluster: snapshots and books from Redis). */
  prepare?: Prepare;
  /** Sends one event to one socket (counted as direct traffic). */
  send(socket: Socket, message: OutboundEvent): void;
}

const toRequests = (symbols: readonly string[]) => symbols.map((symbol) => ({ room: rooms.prices(symbol), symbol }));

/** `/prices`: subscribe/unsubscribe to symbols; a new subscriber gets the latest `price.update` per symbol. */
export function pricesRoutes(deps: PricesNamespaceDeps): Record<string, InboundRoute> {
  const { subscriptions, snapshots, send, guard } = deps;
  return {
    subscribe: route(
      inboundValidators['/prices'].subscribe,
      (_payload, ctx, plan: SubscribePlan) => {
        const { requested } = plan;
        // Join and read the snapshots in this same tick: no update can fall between the snapshot and the stream.
        const added = applySubscribe(subscriptions, ctx, requested, plan.reservation);
        const latest = added.map((room) => snapshots.get(room));
        const channels = requested.map((r) => r.room);
        ctx.afterAck(() => {
          send(ctx.socket, { event: 'subscription.confirmed', payload: { namespace: '/prices', channels } });
          for (const snapshot of latest) if (snapshot) send(ctx.socket, snapshot);
        });
        return { symbols: requested.map((r) => r.symbol) };
      },
      {
        // Synchronous on a single node without a user guard: no promise per subscribe.
        before: (payload, ctx) => {
          const symbols = [...new Set(payload.symbols)];
          subscriptions.assertKnownSymbols(symbols);
          return planSubscribe(deps, ctx, toRequests(symbols));
        },
      },
    ),
    unsubscribe: route(inboundValidators['/prices'].unsubscribe, (payload, ctx) => {
      const symbols = [...new Set(payload.symbols)];
      const removed = subscriptions.unsubscribe(
        ctx.socket.id,
        symbols.map((s) => rooms.prices(s)),
      );
      guard?.release(ctx.socket.id, removed.length);
      for (const room of removed) void ctx.socket.leave(room);
      return { symbols };
    }),
  };
}
