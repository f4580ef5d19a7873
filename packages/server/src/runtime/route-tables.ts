import type { NamespaceName } from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { AdminService } from '../admin/admin-service.js';
import type { OutboundEvent } from '../delivery/room-message.js';
import type { InboundRoute } from '../inbound/inbound-handler.js';
import { type AdminNamespaceDeps, adminRoutes } from '../namespaces/admin-namespace.js';
import { commonRoutes } from '../namespaces/common-routes.js';
import { marketRoutes } from '../namespaces/market-namespace.js';
import { pricesRoutes } from '../namespaces/prices-namespace.js';
import { userRoutes } from '../namespaces/user-namespace.js';
import type { ServerRuntime } from './server-runtime.js';

/** Every namespace's route table, built once per server (with the routes all namespaces accept). */
export function routeTables(
  rt: ServerRuntime,
  admin: AdminService,
  getMetrics: AdminNamespaceDeps['getMetrics'],
): Record<NamespaceName, Record<string, InboundRoute>> {
  const { subscriptions, snapshots, books, fanout, guard } = rt;
  const send = (socket: Socket, message: OutboundEvent) => rt.delivery.send(socket, message);
  const subscribe = {
    subscriptions,
    snapshots,
    send,
    ...(fanout ? { prepare: (rooms: readonly string[]) => fanout.prepare(rooms) } : {}),
    ...(guard ? { guard } : {}),
  };
  const common = commonRoutes(rt.auth);
  return {
    '/prices': { ...common, ...pricesRoutes(subscribe) },
    '/market': { ...common, ...marketRoutes({ ...subscribe, books }) },
    '/user': { ...common, ...userRoutes },
    '/admin': { ...common, ...adminRoutes(adminDeps(rt, admin, getMetrics)) },
  };
}

/** What the `/admin` routes call: the admin service, the subscription stats and system messages. */
function adminDeps(
  rt: ServerRuntime,
  admin: AdminService,
  getMetrics: AdminNamespaceDeps['getMetrics'],
): AdminNamespaceDeps {
  return {
    getMetrics,
    listConnections: (filter) => admin.listConnections(filter),
    disconnect: (target) => admin.disconnect(target),
    setMaintenance: (enabled, message) => admin.setMaintenance(enabled, message),
    subscriptionStats: () => rt.subscriptions.stats(),
    nodeStatus: () => admin.nodeStatus(),
    listNodes: () => admin.listNodes(),
    listAlerts: () => admin.listAlerts(),
    broadcastSystemMessage: (message) => rt.broadcast.broadcastSystemMessage(message),
    send: (socket, message) => rt.delivery.send(socket, message),
  };
}
