import type { InboundContext } from '../inbound/inbound-handler.js';
import type { RoomRequest, SubscriptionManager } from '../subscriptions/subscription-manager.js';
import type { ChannelReservation, UserChannelGuard } from '../subscriptions/user-channel-guard.js';

/**
 * Cluster-wide reservation of the rooms the connection does not hold yet; undefined at once (no promise)
 * without a guard or user.
 */
export function reserveRooms(
  subscriptions: SubscriptionManager,
  guard: UserChannelGuard | undefined,
  ctx: InboundContext,
  requested: readonly RoomRequest[],
): Promise<ChannelReservation | undefined> | undefined {
  if (!guard) return undefined;
  const userId = (ctx.socket.data as { userId?: string | null }).userId ?? null;
  if (userId === null) return undefined;
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
 * subscription. Undefined at once (no promise) without a cluster.
 */
export function prepared(
  deps: { prepare?: Prepare },
  requested: readonly { room: string }[],
  ctx: InboundContext,
): Promise<void> | undefined {
  if (!deps.prepare) return undefined;
  return deps
    .prepare(requested.map((r) => r.room))
    .catch(() => undefined)
    .then((release) => {
      if (release) ctx.finally(release);
    });
}

/** What a subscribe's `before` hands its handler: the requested rooms and their reservation. */
export interface SubscribePlan<R extends RoomRequest = RoomRequest> {
  requested: R[];
  reservation: ChannelReservation | undefined;
}

/**
 * A subscribe's `before`: the cluster's `prepare`, then the reservation, each awaited only when there is one
 * (a single node without a user guard plans synchronously).
 */
export function planSubscribe<R extends RoomRequest>(
  deps: { prepare?: Prepare; subscriptions: SubscriptionManager; guard?: UserChannelGuard | undefined },
  ctx: InboundContext,
  requested: R[],
): SubscribePlan<R> | Promise<SubscribePlan<R>> {
  const reserve = () => reserveRooms(deps.subscriptions, deps.guard, ctx, requested);
  const plan = (reservation: ChannelReservation | undefined): SubscribePlan<R> => ({ requested, reservation });
  const ready = prepared(deps, requested, ctx);
  if (ready !== undefined) return ready.then(reserve).then(plan);
  const reservation = reserve();
  return reservation === undefined ? { requested, reservation } : reservation.then(plan);
}
