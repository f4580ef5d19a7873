import type { NodeStatus } from '@ws/protocol';
import type { ViewProps } from '../app.js';
import { formatDuration, formatMs, formatNumber, formatTime } from '../format.js';
import { STALE_AFTER_MS, type StatsHistory } from '../stats-history.js';
import { usePoll } from '../use-poll.js';

/** Event-loop lag above which a node is called degraded. */
const LAGGING_MS = 100;

type Row = { nodeId: string; status: 'ok' | 'degraded' | 'maintenance' | 'not answering'; node: NodeStatus | null };

function statusOf(node: NodeStatus): Row['status'] {
  if (node.eventLoopLagMs > LAGGING_MS || node.slowConsumers > 0) return 'degraded';
  if (node.maintenance.enabled) return 'maintenance';
  return 'ok';
}

/** The nodes that answer `nodes.list`, and those that reported `admin.stats` lately but did not answer. */
export function NodesView({ conn, history }: ViewProps & { history: StatsHistory }) {
  const { data, error, refresh } = usePoll(() => conn.command('nodes.list'), 5_000);
  const seen = history.lastSeen();
  const now = Date.now();
  const rows: Row[] = (data?.nodes ?? []).map((node) => ({ nodeId: node.nodeId, status: statusOf(node), node }));
  for (const [nodeId, at] of seen) {
    if (!rows.some((r) => r.nodeId === nodeId) && now - at <= STALE_AFTER_MS * 4) {
      rows.push({ nodeId, status: 'not answering', node: null });
    }
  }
  return (
    <section aria-labelledby="nodes-title">
      <h2 id="nodes-title">Nodes</h2>
      <button type="button" onClick={() => void refresh()}>
        Refresh
      </button>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Status</th>
              <th scope="col">Connections</th>
              <th scope="col">Event-loop lag</th>
              <th scope="col">Slow consumers</th>
              <th scope="col">Rate-limit rejections</th>
              <th scope="col">Uptime</th>
              <th scope="col">Last report</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ nodeId, status, node }) => {
              const last = seen.get(nodeId);
              return (
                <tr key={nodeId}>
                  <td>{nodeId}</td>
                  <td>
                    <span class={`badge ${status === 'ok' ? 'ok' : 'warn'}`}>{status}</span>
                  </td>
                  <td>{node?.connections === undefined ? '–' : formatNumber(node.connections)}</td>
                  <td>{node ? formatMs(node.eventLoopLagMs) : '–'}</td>
                  <td>{node ? formatNumber(node.slowConsumers) : '–'}</td>
                  <td>{node ? formatNumber(node.rateLimitRejections) : '–'}</td>
                  <td>{node ? formatDuration(node.uptimeSec) : '–'}</td>
                  <td>{last === undefined ? '–' : formatTime(last)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
