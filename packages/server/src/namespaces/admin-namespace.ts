import {
  type AdminCommandName,
  AdminCommands,
  type AlertsList,
  type AnyAdminCommandResult,
  adminCommandValidators,
  type ConnectionInfo,
  describeIssues,
  inboundValidators,
  type MaintenanceState,
  type MetricsSnapshot,
  type NodeStatus,
  type SubscriptionStats,
  type SystemMessageType,
} from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { ConnectionFilter } from '../connection-manager.js';
import type { OutboundEvent } from '../delivery/room-message.js';
import { type InboundRoute, route } from '../inbound/inbound-handler.js';
import { WsError } from '../ws-error.js';

export interface AdminNamespaceDeps {
  getMetrics(): MetricsSnapshot;
  /** This node's connections, or the cluster's with Redis. */
  listConnections(filter: ConnectionFilter): Promise<{ connections: ConnectionInfo[]; total: number }>;
  /** Disconnects cluster-wide; resolves to the number of sockets disconnected. */
  disconnect(target: { socketId?: string; userId?: string }): Promise<number>;
  setMaintenance(enabled: boolean, message?: string): MaintenanceState;
  subscriptionStats(): SubscriptionStats;
  nodeStatus(): NodeStatus;
  /** `node.status` of every node that answers (this one first). */
  listNodes(): Promise<NodeStatus[]>;
  /** Active and recent alerts of every node that answers. */
  listAlerts(): Promise<AlertsList>;
  broadcastSystemMessage(message: { type: SystemMessageType; message: string }): Promise<unknown>;
  /** Sends one event to one socket (counted like every other server message). */
  send(socket: Socket, message: OutboundEvent): void;
}

/** `/admin`: `admin.metrics`, `admin.command` (connections, maintenance, subscription stats, nodes, alerts) and `admin.broadcast`. */
export function adminRoutes(deps: AdminNamespaceDeps): Record<string, InboundRoute> {
  return {
    // The seed lists `admin.metrics` both ways: the request's ack carries the snapshot, and the same detailed
    // metrics follow as an `admin.metrics` event, for clients that listen rather than await the ack.
    'admin.metrics': route(
      inboundValidators['/admin']['admin.metrics'],
      (_payload, ctx) => {
        const metrics = deps.getMetrics();
        ctx.afterAck(() => deps.send(ctx.socket, { event: 'admin.metrics', payload: metrics }));
        return { metrics };
      },
      { payloadOptional: true },
    ),
    'admin.command': route(inboundValidators['/admin']['admin.command'], async (payload) => {
      const command = payload.command;
      if (!Object.hasOwn(AdminCommands, command)) {
        throw new WsError('NOT_FOUND', `unknown command ${JSON.stringify(command)}`);
      }
      const name = command as AdminCommandName;
      const args = payload.args ?? {};
      const checked = adminCommandValidators[name].validate(args);
      if (!checked.ok) {
        throw new WsError('INVALID_PAYLOAD', `invalid ${name} args: ${describeIssues(checked.errors)}`, {
          details: checked.errors,
        });
      }
      return { command: name, result: await runCommand(deps, name, checked.value) };
    }),
    'admin.broadcast': route(inboundValidators['/admin']['admin.broadcast'], async (payload) => {
      await deps.broadcastSystemMessage({ type: payload.type, message: payload.message });
      return { delivered: true };
    }),
  };
}

async function runCommand(
  deps: AdminNamespaceDeps,
  name: AdminCommandName,
  args: unknown,
): Promise<AnyAdminCommandResult> {
  switch (name) {
    case 'connections.list':
      return deps.listConnections(args as ConnectionFilter);
    case 'connections.disconnect':
      return { disconnected: await deps.disconnect(args as { socketId?: string; userId?: string }) };
    case 'maintenance.enable':
      return { maintenance: deps.setMaintenance(true, (args as { message?: string }).message) };
    case 'maintenance.disable':
      return { maintenance: deps.setMaintenance(false) };
    case 'subscriptions.stats':
      return { stats: deps.subscriptionStats() };
    case 'node.status':
      return { status: deps.nodeStatus() };
    case 'nodes.list':
      return { nodes: await deps.listNodes() };
    case 'alerts.list':
      return deps.listAlerts();
  }
}
