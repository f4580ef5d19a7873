import type { AdminSession } from '../admin-session.js';
import { CliError, ExitCodes } from '../cli-error.js';
import type { Output } from '../output.js';
import { DashboardState } from './dashboard-state.js';
import { alertLine, plainStatsLine } from './format-view.js';

export interface PlainDashboardOptions {
  out: Output;
  err: Output;
  /** Stop after this many stats lines. */
  iterations?: number | undefined;
  /** Stop after this long (ms). */
  durationMs?: number | undefined;
  /** Resolves the run early (signals). */
  stop: Promise<void>;
}

/** When stdout is not a TTY: one plain line per `admin.stats` report, and one per alert. */
export async function runPlainDashboard(session: AdminSession, options: PlainDashboardOptions): Promise<void> {
  const { out, err } = options;
  const state = new DashboardState();
  const client = session.client;
  let lines = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const offs: (() => void)[] = [];
  err.line(`watching ${session.url}: one line per admin.stats report`);
  try {
    await new Promise<void>((resolve, reject) => {
      if (options.durationMs !== undefined) timer = setTimeout(resolve, options.durationMs);
      void options.stop.then(resolve);
      offs.push(
        client.on('admin.stats', (stats) => {
          state.addStats(stats);
          out.line(plainStatsLine(state.view()));
          lines++;
          if (options.iterations !== undefined && lines >= options.iterations) resolve();
        }),
        client.on('admin.alert', (alert) => {
          state.addAlert(alert);
          out.line(alertLine(alert));
        }),
        client.on('state', (change) => {
          if (change.state === 'reconnecting') err.line(`connection lost (${change.reason}); reconnecting`);
          if (change.state === 'connected' && change.previous === 'reconnecting') err.line('reconnected');
          // The client gave up (e.g. the token expired and a reconnect was refused).
          if (change.state === 'disconnected') {
            const auth = change.code === 'UNAUTHORIZED' || change.code === 'FORBIDDEN';
            reject(
              new CliError(
                `disconnected from ${session.url}: ${change.reason}`,
                auth ? ExitCodes.UNAUTHORIZED : ExitCodes.FAILURE,
              ),
            );
          }
        }),
      );
    });
  } finally {
    clearTimeout(timer);
    for (const off of offs) off();
  }
}
