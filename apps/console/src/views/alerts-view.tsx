import type { AdminAlert } from '@ws/protocol';
import { useEffect } from 'preact/hooks';
import type { ViewProps } from '../app.js';
import { formatNumber, formatTime } from '../format.js';
import { usePoll } from '../use-poll.js';

function AlertTable({ alerts, caption }: { alerts: AdminAlert[]; caption: string }) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Time (UTC)</th>
          <th scope="col">Level</th>
          <th scope="col">Node</th>
          <th scope="col">Alert</th>
          <th scope="col">Value / threshold</th>
        </tr>
      </thead>
      <tbody>
        {alerts.length === 0 ? (
          <tr>
            <td colSpan={5}>none</td>
          </tr>
        ) : null}
        {alerts.map((a) => (
          <tr key={`${a.timestamp}-${a.nodeId ?? ''}-${a.metric ?? a.message}`}>
            <td>{formatTime(a.timestamp)}</td>
            <td>
              <span class={`badge ${a.level === 'info' ? 'ok' : 'warn'}`}>{a.level}</span>
            </td>
            <td>{a.nodeId ?? '–'}</td>
            <td>{a.message}</td>
            <td>
              {a.value === undefined ? '–' : formatNumber(a.value)}
              {a.threshold === undefined ? '' : ` / ${formatNumber(a.threshold)}`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The alerts firing now on any node and the latest raised (from `alerts.list`, refreshed on every `admin.alert`). */
export function AlertsView({ conn, live, firing }: ViewProps & { live: AdminAlert[]; firing: number }) {
  const { data, error, refresh } = usePoll(() => conn.command('alerts.list'), 15_000);
  // A new live alert, or a change in what admin.stats says is firing, reloads the lists.
  useEffect(() => void refresh(), [live.length, firing]);
  return (
    <section aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts</h2>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <AlertTable caption="Active" alerts={data?.active ?? []} />
      <AlertTable caption="History (newest first)" alerts={[...(data?.history ?? [])].reverse()} />
    </section>
  );
}
