import type { ConnectionInfo } from '@ws/protocol';
import { useEffect, useState } from 'preact/hooks';
import { describeFailure } from '../admin-connection.js';
import type { ViewProps } from '../app.js';
import { ConfirmDialog } from '../confirm-dialog.js';
import { formatDuration, formatNumber } from '../format.js';
import { usePoll } from '../use-poll.js';

const NAMESPACES = ['/prices', '/market', '/user', '/admin'];
const LIMIT = 1_000;

type KickTarget = { socketId: string; label: string } | { userId: string; label: string };

function matches(c: ConnectionInfo, search: string, ip: string): boolean {
  if (ip && !c.ip.includes(ip)) return false;
  if (!search) return true;
  const needle = search.toLowerCase();
  return [c.socketId, c.userId ?? '', c.ip, c.userAgent, c.nodeId, c.namespace, ...c.rooms].some((f) =>
    f.toLowerCase().includes(needle),
  );
}

/** Every connection of the cluster; search, filter by namespace, user or IP; kick one socket or all of a user's. */
export function ConnectionsView({ conn, announce }: ViewProps) {
  const [namespace, setNamespace] = useState('');
  const [userId, setUserId] = useState('');
  const [ip, setIp] = useState('');
  const [search, setSearch] = useState('');
  const [kick, setKick] = useState<KickTarget | null>(null);
  const { data, error, refresh } = usePoll(
    () =>
      conn.command('connections.list', {
        limit: LIMIT,
        ...(namespace ? { namespace } : {}),
        ...(userId.trim() ? { userId: userId.trim() } : {}),
      }),
    5_000,
  );
  // A new namespace filter reloads at once (the others apply as typed, or on Refresh).
  useEffect(() => void refresh(), [namespace]);
  const rows = (data?.connections ?? []).filter((c) => matches(c, search.trim(), ip.trim()));
  const now = Date.now();

  async function confirmKick(target: KickTarget): Promise<void> {
    setKick(null);
    try {
      const args = 'socketId' in target ? { socketId: target.socketId } : { userId: target.userId };
      const { disconnected } = await conn.command('connections.disconnect', args);
      announce(`Disconnected ${disconnected} connection${disconnected === 1 ? '' : 's'} of ${target.label}`);
      await refresh();
    } catch (err) {
      announce(`Kick failed: ${describeFailure(err)}`);
    }
  }

  return (
    <section aria-labelledby="connections-title">
      <h2 id="connections-title">Connections</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void refresh();
        }}
      >
        <label>
          Search
          <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        <label>
          Namespace
          <select value={namespace} onChange={(e) => setNamespace(e.currentTarget.value)}>
            <option value="">all</option>
            {NAMESPACES.map((ns) => (
              <option key={ns} value={ns}>
                {ns}
              </option>
            ))}
          </select>
        </label>
        <label>
          User
          <input value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        </label>
        <label>
          IP
          <input value={ip} onInput={(e) => setIp(e.currentTarget.value)} />
        </label>
        <button type="submit">Refresh</button>
      </form>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <p class="help" data-testid="connections-count">
        {data ? `${rows.length} shown of ${data.total} connections` : 'Loading…'}
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Socket</th>
              <th scope="col">Namespace</th>
              <th scope="col">User</th>
              <th scope="col">IP</th>
              <th scope="col">Node</th>
              <th scope="col">Age</th>
              <th scope="col">In / out</th>
              <th scope="col">Rooms</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.socketId} data-socket-id={c.socketId}>
                <td>
                  <code>{c.socketId}</code>
                </td>
                <td>{c.namespace}</td>
                <td>
                  {c.userId ?? '–'}
                  {c.role ? <span class="role"> {c.role}</span> : null}
                </td>
                <td>{c.ip}</td>
                <td>{c.nodeId}</td>
                <td>{formatDuration((now - c.connectedAt) / 1000)}</td>
                <td>
                  {formatNumber(c.messagesIn)} / {formatNumber(c.messagesOut)}
                </td>
                <td title={c.rooms.join(' ')}>{c.rooms.length}</td>
                <td class="row-actions">
                  <button
                    type="button"
                    aria-label={`Kick socket ${c.socketId}`}
                    onClick={() => setKick({ socketId: c.socketId, label: `socket ${c.socketId}` })}
                  >
                    Kick
                  </button>
                  {c.userId ? (
                    <button
                      type="button"
                      aria-label={`Kick every connection of user ${c.userId}`}
                      onClick={() => setKick({ userId: c.userId as string, label: `user ${c.userId}` })}
                    >
                      Kick user
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {kick ? (
        <ConfirmDialog
          title="Disconnect?"
          confirmLabel="Disconnect"
          onCancel={() => setKick(null)}
          onConfirm={() => void confirmKick(kick)}
        >
          <p>
            Disconnect {'socketId' in kick ? 'the connection' : 'every connection'} of <b>{kick.label}</b> on every
            node? The client may reconnect.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
