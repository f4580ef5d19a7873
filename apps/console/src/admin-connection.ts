import { isTradingClientError, TradingClient } from '@ws/client';
import type {
  AdminAlert,
  AdminCommandArgs,
  AdminCommandName,
  AdminCommandResult,
  AdminStats,
  MetricsSnapshot,
  SystemMessageType,
} from '@ws/protocol';

/** `disconnected` and `closed` are final for the console: the client stopped (say, its token was refused on reconnect). */
export type LinkState = 'connected' | 'reconnecting' | 'disconnected' | 'closed';

export interface AdminConnectionEvents {
  stats(stats: AdminStats): void;
  alert(alert: AdminAlert): void;
  /** The link's state; with `closed`, why (for example a token refused on reconnect). */
  link(state: LinkState, reason: string): void;
}

/** Why the gateway refused the console, in words an operator can act on. */
export function describeFailure(error: unknown): string {
  if (!isTradingClientError(error)) return error instanceof Error ? error.message : String(error);
  switch (error.code) {
    case 'FORBIDDEN':
      return 'Refused: this token is not an admin token. The console needs a JWT with role "admin".';
    case 'UNAUTHORIZED':
      return `Refused: the gateway does not accept this token (${error.message}). Check that it is a current JWT signed for this gateway.`;
    case 'TIMEOUT':
      // A refused origin is a failed WebSocket upgrade: the page only sees that no connection came.
      return `The gateway did not answer in time. Is it running, and does its WS_CORS_ORIGIN allow this page's origin (${globalThis.location?.origin ?? 'this origin'})?`;
    case 'RATE_LIMITED':
      return `Rate limited by the gateway${error.retryAfterMs === undefined ? '' : `; retry in ${Math.ceil(error.retryAfterMs / 1000)} s`}.`;
    case 'MAINTENANCE':
      return `The gateway is in maintenance: ${error.message}`;
    default:
      return `${error.code}: ${error.message}`;
  }
}

/** The console's one connection: `@ws/client` on `/admin` of the page's own origin. */
export class AdminConnection {
  private constructor(
    private readonly client: TradingClient,
    readonly metrics: MetricsSnapshot,
  ) {}

  /** Connects and proves the token with one `admin.metrics` round trip; rejects with the refusal. */
  static async open(url: string, token: string, events: AdminConnectionEvents): Promise<AdminConnection> {
    const client = new TradingClient({
      url,
      token,
      timeout: 10_000,
      pingInterval: 0,
      reconnectDelayMin: 250,
      reconnectDelayMax: 5_000,
    });
    // Refusals also arrive as `error` events; the awaited request reports them.
    client.on('error', () => {});
    try {
      const metrics = await client.admin.metrics();
      client.on('admin.stats', (s) => events.stats(s));
      client.on('admin.alert', (a) => events.alert(a));
      client.on('state', (change) => {
        if (change.state !== 'connecting') {
          events.link(change.state, change.code ? `${change.code}: ${change.reason}` : change.reason);
        }
      });
      return new AdminConnection(client, metrics);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  command<C extends AdminCommandName>(name: C, args?: AdminCommandArgs<C>): Promise<AdminCommandResult<C>> {
    return this.client.admin.command(name, args);
  }

  broadcast(type: SystemMessageType, message: string): Promise<{ delivered: boolean }> {
    return this.client.admin.broadcast({ type, message });
  }

  close(): void {
    this.client.close();
  }
}
