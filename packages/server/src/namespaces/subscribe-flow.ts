import type { InboundContext } from '../inbound/inbound-handler.js';
import type { RoomRequest, SubscriptionManager } from '../subscriptions/subscription-manager.js';
import type { ChannelReservation, UserChannelGuard } from '../subscriptions/user-channel-guard.js';

/** Cluster-wide reservation of the rooms the connection does not hold yet (nothing without a guard or user). */
export function reserveRooms(
  subscriptions: SubscriptionManager,
  guard: UserChannelGuard | undefined,
  ctx: InboundContext,
  requested: readonly RoomRequest[],
): Promise<ChannelReservation | undefined> {
  const userId = (ctx.socket.data as { userId?: string | null }).userId ?? null;
  if (!guard || userId === null) return Promise.resolve(undefined);
  const held = new Set(subscriptions.rooms(ctx.socket.id));
  const candidates = new Set(requested.filter((r) => !held.has(r.room)).map((r) => r.room)).size;
  return guard.reserve(ctx.socket.id, userId, candidates);
}

/** Applies the subscription (all or nothing), settles the reservation and joins the new rooms, synchronously. */
export function applySubscribe(
  subscriptions: SubscriptionManager,
  ctx: InboundContext,
  requested: readonly RoomRequest[],
  reservation: ChannelReservation | undefined,
): string[] {
  let added: string[];
  try {
    added = subscriptions.subscribe(ctx.socket.id, requested);
  } catch (err) {
    reservation?.settle(0);
    throw err;
  }
  reservation?.settle(added.length);
  void ctx.socket.join(added);
  return added;
}

/** What a cluster node does before a subscribe reads its local state: see `ClusterFanout.prepare`. */
export type Prepare = (rooms: readonly string[]) => Promise<() => void>;

/**
 * Runs the cluster's `prepare` for the rooms and keeps their bus channels held until the request is over (the
 * handler has joined them by then, or the request failed); a Redis failure only costs the snapshot, never the
 * subscription.
 */
export async function prepared(
  deps: { prepare?: Prepare },
  requested: readonly { room: string }[],
  ctx: InboundContext,
): Promise<void> {
  if (!deps.prepare) return;
  const release = await deps.prepare(requested.map((r) => r.room)).catch(() => undefined);
  if (release) ctx.finally(release);
}
