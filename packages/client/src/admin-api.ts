import type {
  AdminBroadcastRequest,
  AdminCommandArgs,
  AdminCommandName,
  AdminCommandResult,
  MetricsSnapshot,
} from '@ws/protocol';
import type { RequestEvent, RequestPayload, RequestResult } from './request.js';

/** Helpers of the `/admin` namespace (admin or service token). */
export interface AdminApi {
  metrics(): Promise<MetricsSnapshot>;
  command<C extends AdminCommandName>(command: C, args?: AdminCommandArgs<C>): Promise<AdminCommandResult<C>>;
  broadcast(message: AdminBroadcastRequest): Promise<{ delivered: boolean }>;
}

/** Sends one `/admin` request (connecting `/admin` if needed). */
export type AdminRequest = <E extends RequestEvent<'/admin'>>(
  event: E,
  payload: RequestPayload<'/admin', E>,
) => Promise<RequestResult<'/admin', E>>;

export function createAdminApi(request: AdminRequest): AdminApi {
  return {
    metrics: async () => (await request('admin.metrics', {})).metrics,
    command: async <C extends AdminCommandName>(command: C, args?: AdminCommandArgs<C>) => {
      const payload = args === undefined ? { command } : { command, args: args as Record<string, never> };
      return (await request('admin.command', payload)).result as AdminCommandResult<C>;
    },
    broadcast: (message) => request('admin.broadcast', message),
  };
}
