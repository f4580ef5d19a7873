import { inboundValidators, rooms } from '@ws/protocol';
import type { Socket } from 'socket.io';
import { type InboundRoute, route } from '../inbound-handler.js';
import type { SnapshotStore } from '../snapshot-store.js';
import type { SubscriptionManager } from '../subscription-manager.js';

export interface PricesNamespaceDeps {
  subscriptions: SubscriptionManager;
  snapshots: SnapshotStore;
  /** Sends one event to one socket (counted as direct traffic). */
  send(socket: Socket, event: string, payload: object): void;
}

/** `/prices`: subscribe/unsubscribe to symbols; a new subscriber gets the latest `price.update` per symbol. */
export class PricesNamespaceHandler {
  constructor(private readonly deps: PricesNamespaceDeps) {}

  routes(): Record<string, InboundRoute> {
    const { subscriptions, snapshots, send } = this.deps;
    return {
      subscribe: route(inboundValidators['/prices'].subscribe, (payload, ctx) => {
        const symbols = [...new Set(payload.symbols)];
        subscriptions.assertKnownSymbols(symbols);
        const requested = symbols.map((symbol) => ({ room: rooms.prices(symbol), symbol }));
        const added = subscriptions.subscribe(ctx.socket.id, requested);
        // Join and read the snapshots in this same tick: no update can fall between the snapshot and the stream.
        void ctx.socket.join(added);
        const latest = added.map((room) => snapshots.get(room));
        ctx.afterAck(() => {
          send(ctx.socket, 'subscription.confirmed', { namespace: '/prices', channels: requested.map((r) => r.room) });
          for (const snapshot of latest) if (snapshot) send(ctx.socket, snapshot.event, snapshot.payload);
        });
        return { symbols };
      }),
      unsubscribe: route(inboundValidators['/prices'].unsubscribe, (payload, ctx) => {
        const symbols = [...new Set(payload.symbols)];
        const removed = subscriptions.unsubscribe(
          ctx.socket.id,
          symbols.map((s) => rooms.prices(s)),
        );
        for (const room of removed) void ctx.socket.leave(room);
        return { symbols };
      }),
    };
  }
}
