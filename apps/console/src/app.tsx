import type { AdminAlert, MaintenanceState } from '@ws/protocol';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { AdminConnection, describeFailure, type LinkState } from './admin-connection.js';
import { LoginForm } from './login-form.js';
import { StatsHistory } from './stats-history.js';
import { tokenStorage } from './token-storage.js';
import { AlertsView } from './views/alerts-view.js';
import { ConnectionsView } from './views/connections-view.js';
import { NodesView } from './views/nodes-view.js';
import { OperationsView } from './views/operations-view.js';
import { OverviewView } from './views/overview-view.js';
import { SubscriptionsView } from './views/subscriptions-view.js';

const VIEWS = [
  { id: 'overview', label: 'Overview' },
  { id: 'nodes', label: 'Nodes' },
  { id: 'connections', label: 'Connections' },
  { id: 'subscriptions', label: 'Subscriptions' },
  { id: 'operations', label: 'Broadcast & maintenance' },
  { id: 'alerts', label: 'Alerts' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

/** What every view gets: the connection and a way to tell the operator what happened. */
export interface ViewProps {
  conn: AdminConnection;
  announce: (message: string) => void;
}

export function App() {
  const [conn, setConn] = useState<AdminConnection | null>(null);
  const [loginError, setLoginError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [link, setLink] = useState<LinkState>('connected');
  const [view, setView] = useState<ViewId>('overview');
  const [version, setVersion] = useState(0);
  const [maintenance, setMaintenance] = useState<MaintenanceState | null>(null);
  const [liveAlerts, setLiveAlerts] = useState<AdminAlert[]>([]);
  const history = useRef(new StatsHistory());
  /** The current login attempt or session; events of an older one (closed by a log out) are ignored. */
  const session = useRef<object | null>(null);

  const login = useCallback(async (token: string, remember: boolean) => {
    const self = {};
    session.current = self;
    setBusy(true);
    setLoginError(null);
    try {
      const opened = await AdminConnection.open(location.origin, token, {
        stats: (stats) => {
          history.current.add(stats);
          setMaintenance(stats.maintenance);
          setVersion((v) => v + 1);
        },
        alert: (alert) => setLiveAlerts((list) => [...list.slice(-99), alert]),
        link: (state, reason) => {
          if (session.current !== self) return;
          setLink(state);
          setStatus(state === 'connected' ? 'Connected to the gateway' : `Connection ${state}`);
          if (state === 'closed' || state === 'disconnected') {
            // The client gave up (a token refused on reconnect, for one): back to the login form, saying why.
            session.current = null;
            tokenStorage.clear();
            setConn(null);
            setLoginError(`The gateway ended the session (${reason}). Log in again.`);
          }
        },
      });
      if (remember) tokenStorage.save(token);
      else tokenStorage.clear();
      history.current = new StatsHistory();
      setLink('connected');
      setConn(opened);
      setStatus('Logged in');
    } catch (error) {
      tokenStorage.clear();
      setLoginError(describeFailure(error));
    } finally {
      setBusy(false);
    }
  }, []);

  const logout = useCallback(() => {
    session.current = null;
    conn?.close();
    tokenStorage.clear();
    setConn(null);
    setLiveAlerts([]);
    setStatus('Logged out');
  }, [conn]);

  useEffect(() => {
    const saved = tokenStorage.load();
    if (saved) void login(saved, true);
  }, [login]);

  useEffect(() => () => conn?.close(), [conn]);

  const firing = conn ? history.current.activeAlerts().length : 0;
  return (
    <div class="app">
      <header>
        <h1>Gateway console</h1>
        {conn ? (
          <div class="session">
            <span class={`link ${link}`}>{link}</span>
            {maintenance?.enabled ? <span class="badge warn">maintenance on</span> : null}
            {firing > 0 ? (
              <span class="badge warn" data-testid="alerts-firing">
                {firing} alert{firing === 1 ? '' : 's'} firing
              </span>
            ) : null}
            <button type="button" onClick={logout}>
              Log out
            </button>
          </div>
        ) : null}
      </header>
      <p class="status" role="status" aria-live="polite" data-testid="status">
        {status}
      </p>
      {conn ? (
        <>
          <nav aria-label="Views">
            {VIEWS.map((v) => (
              <button
                key={v.id}
                type="button"
                aria-current={view === v.id ? 'page' : undefined}
                onClick={() => setView(v.id)}
              >
                {v.label}
                {v.id === 'alerts' && firing > 0 ? ` (${firing})` : ''}
              </button>
            ))}
          </nav>
          <main>
            {view === 'overview' ? (
              <OverviewView history={history.current} version={version} seed={conn.metrics} />
            ) : null}
            {view === 'nodes' ? <NodesView conn={conn} announce={setStatus} history={history.current} /> : null}
            {view === 'connections' ? <ConnectionsView conn={conn} announce={setStatus} /> : null}
            {view === 'subscriptions' ? <SubscriptionsView conn={conn} announce={setStatus} /> : null}
            {view === 'operations' ? (
              <OperationsView
                conn={conn}
                announce={setStatus}
                maintenance={maintenance}
                onMaintenance={setMaintenance}
              />
            ) : null}
            {view === 'alerts' ? (
              <AlertsView conn={conn} announce={setStatus} live={liveAlerts} firing={firing} />
            ) : null}
          </main>
        </>
      ) : (
        <main>
          <LoginForm onSubmit={login} busy={busy} error={loginError} />
        </main>
      )}
    </div>
  );
}
