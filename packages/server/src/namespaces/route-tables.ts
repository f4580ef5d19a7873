import type { NamespaceName } from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { InboundRoute } from '../inbound/inbound-handler.js';
import type { ServerRuntime } from '../runtime/server-runtime.js';
import { type AdminNamespaceDeps, adminRoutes } from './admin-namespace.js';
import { commonRoutes } from './common-routes.js';
import { marketRoutes } from './market-namespace.js';
import { pricesRoutes } from './prices-namespace.js';
import { userRoutes } from './user-namespace.js';

/** Every namespace's route table, built once per server (with the routes all namespaces accept). */
export function routeTables(
  rt: ServerRuntime,
  admin: AdminNamespaceDeps,
): Record<NamespaceName, Record<string, InboundRoute>> {
  const { subscriptions, snapshots, books, fanout, guard } = rt;
  const subscribe = {
    subscriptions,
    snapshots,
    send: (socket: Socket, event: string, payload: object) => rt.delivery.send(socket, { event, payload }),
    ...(fanout ? { prepare: (rooms: readonly string[]) => fanout.prepare(rooms) } : {}),
    ...(guard ? { guard } : {}),
  };
  const common = commonRoutes(rt.auth);
  return {
    '/prices': { ...common, ...pricesRoutes(subscribe) },
    '/market': { ...common, ...marketRoutes({ ...subscribe, books }) },
    '/user': { ...common, ...userRoutes },
    '/admin': { ...common, ...adminRoutes(admin) },
  };
}
