import { adminCommandValidators, type ConnectionInfo, inboundValidators } from '@ws/protocol';
import blessed from 'blessed';
import type { AdminSession } from '../admin-session.js';
import { BROADCAST_TYPES } from '../commands/broadcast.js';
import { connectionTable } from '../connection-table.js';
import { formatAge, formatMs, formatNumber, formatTable } from '../output.js';
import { DashboardState } from './dashboard-state.js';
import { activeAlertLine, alertLine, formatLatency, formatRate } from './format-view.js';
import { sparkline } from './sparkline.js';

export interface TtyDashboardOptions {
  /** Stop after this long (ms). */
  durationMs?: number | undefined;
  /** Resolves the run early (signals). */
  stop: Promise<void>;
  /** How often the screen redraws ages and staleness (ms). Default 1000. */
  redrawMs?: number;
}

const box = (options: blessed.Widgets.BoxOptions) =>
  blessed.box({ border: { type: 'line' }, tags: true, style: { border: { fg: 'cyan' } }, ...options });

/** The full-screen dashboard: live figures from `admin.stats`, alerts, and keys for the operator's actions. */
export async function runTtyDashboard(session: AdminSession, options: TtyDashboardOptions): Promise<void> {
  const client = session.client;
  const state = new DashboardState();
  const [metrics, subs] = await Promise.all([
    session.run(() => client.admin.metrics()),
    session.run(() => client.admin.command('subscriptions.stats')),
  ]);
  state.seedWith(metrics, subs.stats.topSymbols);

  const screen = blessed.screen({
    smartCSR: true,
    fullUnicode: true,
    forceUnicode: true,
    title: `ws admin ${session.url}`,
  });
  const header = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, tags: true });
  const connections = box({ parent: screen, top: 1, left: 0, width: '50%', height: 10, label: ' connections ' });
  const traffic = box({ parent: screen, top: 1, left: '50%', width: '50%', height: 10, label: ' messages/s ' });
  const health = box({ parent: screen, top: 11, left: 0, width: '50%', height: 9, label: ' latency & errors ' });
  const symbols = box({ parent: screen, top: 11, left: '50%', width: '50%', height: 9, label: ' top symbols ' });
  const active = box({ parent: screen, top: 20, left: 0, width: '100%', height: 6, label: ' active alerts ' });
  const alerts = blessed.log({
    parent: screen,
    top: 26,
    left: 0,
    width: '100%',
    bottom: 1,
    label: ' alert log ',
    border: { type: 'line' },
    tags: false,
    scrollback: 200,
    style: { border: { fg: 'cyan' } },
  });
  blessed.box({
    parent: screen,
    bottom: 0,
    left: 0,
    width: '100%',
    height: 1,
    tags: true,
    content:
      ' {bold}q{/bold} quit  {bold}c{/bold} connections  {bold}b{/bold} broadcast  {bold}m{/bold} maintenance on/off',
  });

  let status = 'connected';
  const render = () => {
    const view = state.view();
    const maintenance =
      view.maintenance === null
        ? '{gray-fg}maintenance ?{/gray-fg}'
        : view.maintenance.enabled
          ? `{yellow-bg}{black-fg} MAINTENANCE ON ${blessed.escape(view.maintenance.message ?? '')} {/black-fg}{/yellow-bg}`
          : '{green-fg}maintenance off{/green-fg}';
    const updated = view.updatedAt === null ? 'waiting for admin.stats' : `updated ${formatAge(view.updatedAt)} ago`;
    header.setContent(
      ` {bold}ws admin{/bold} ${blessed.escape(session.url)}  nodes ${view.nodes.join(',') || '-'}  ${maintenance}  ${status}  ${updated}`,
    );
    const nsRows = Object.entries(view.namespaces)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([ns, m]) => [ns, formatNumber(m.connections), formatNumber(m.subscriptions)]);
    connections.setContent(
      [
        `total ${formatNumber(view.connections.current)} now, ${formatNumber(view.connections.total)} since start`,
        '',
        ...formatTable(
          [{ header: 'NAMESPACE' }, { header: 'CONNECTIONS', align: 'right' }, { header: 'SUBS', align: 'right' }],
          nsRows,
        ),
      ]
        .map(blessed.escape)
        .join('\n'),
    );
    const width = Math.max(10, Math.floor((screen.width as number) / 2) - 12);
    traffic.setContent(
      [
        `in   ${formatRate(view.rate?.in).padStart(12)}`,
        `     ${sparkline(
          view.history.map((h) => h.in),
          width,
        )}`,
        `out  ${formatRate(view.rate?.out).padStart(12)}`,
        `     ${sparkline(
          view.history.map((h) => h.out),
          width,
        )}`,
        '',
        '{gray-fg}last minute{/gray-fg}',
      ].join('\n'),
    );
    health.setContent(
      [
        `latency  ${formatLatency(view.latency)}`,
        `ping rtt ${view.pingRtt ? formatLatency(view.pingRtt) : '-'}`,
        `errors  ${formatNumber(view.errors.rate, 2)}/s  (${formatNumber(view.errors.total)} total)`,
        `rate-limit rejections  ${view.rateLimitRejections === null ? '-' : formatNumber(view.rateLimitRejections)}`,
        `event-loop lag  ${view.eventLoopLagMs === null ? '-' : formatMs(view.eventLoopLagMs)}`,
      ]
        .map(blessed.escape)
        .join('\n'),
    );
    active.setContent(
      view.activeAlerts.length === 0
        ? '{green-fg}none{/green-fg}'
        : view.activeAlerts
            .slice(0, 4)
            .map((a) => {
              const line = blessed.escape(activeAlertLine(a));
              return a.level === 'info' ? line : `{yellow-fg}${line}{/yellow-fg}`;
            })
            .join('\n') + (view.activeAlerts.length > 4 ? `\n… ${view.activeAlerts.length - 4} more` : ''),
    );
    symbols.setContent(
      formatTable(
        [{ header: 'SYMBOL' }, { header: 'SUBSCRIBERS', align: 'right' }],
        view.topSymbols.slice(0, 6).map((s) => [s.symbol, formatNumber(s.subscribers)]),
      )
        .map(blessed.escape)
        .join('\n'),
    );
    screen.render();
  };

  let modal: blessed.Widgets.BlessedElement | null = null;
  const closeModal = () => {
    modal?.destroy();
    modal = null;
    render();
  };
  const notify = (text: string) => alerts.log(`${new Date().toISOString()} ${text}`);
  const fail = (error: unknown) => notify(`failed: ${error instanceof Error ? error.message : String(error)}`);

  const showConnections = async () => {
    const result = await session.run(() => client.admin.command('connections.list', { limit: 500 }));
    const lines = connectionLines(result.connections);
    const list = blessed.list({
      parent: screen,
      top: 'center',
      left: 'center',
      width: '95%',
      height: '80%',
      label: ` connections (${result.connections.length} of ${result.total}) — Esc close, k kick selected `,
      border: { type: 'line' },
      keys: true,
      vi: true,
      items: lines,
      style: { selected: { inverse: true }, border: { fg: 'yellow' } },
    });
    modal = list;
    list.key(['escape', 'q'], closeModal);
    list.key(['k'], () => {
      const index = (list as unknown as { selected: number }).selected - 1;
      const target = result.connections[index];
      if (!target) return;
      const args = adminCommandValidators['connections.disconnect'].validate({ socketId: target.socketId });
      if (!args.ok) return;
      closeModal();
      session
        .run(() => client.admin.command('connections.disconnect', args.value))
        .then((r) => notify(`kicked ${target.socketId}: ${r.disconnected} disconnected`))
        .catch(fail);
    });
    list.select(1);
    list.focus();
    screen.render();
  };

  const broadcast = () => {
    const list = blessed.list({
      parent: screen,
      top: 'center',
      left: 'center',
      width: 40,
      height: BROADCAST_TYPES.length + 2,
      label: ' broadcast type (Esc cancels) ',
      border: { type: 'line' },
      keys: true,
      items: [...BROADCAST_TYPES],
      style: { selected: { inverse: true }, border: { fg: 'yellow' } },
    });
    modal = list;
    list.key(['escape'], closeModal);
    list.on('select', (_item, index) => {
      const type = BROADCAST_TYPES[index] ?? 'info';
      list.destroy();
      const prompt = blessed.prompt({
        parent: screen,
        top: 'center',
        left: 'center',
        width: '70%',
        height: 8,
        border: { type: 'line' },
        label: ` broadcast ${type} `,
        style: { border: { fg: 'yellow' } },
      });
      modal = prompt;
      prompt.input('Message to every connected client (Enter sends, Esc cancels):', '', (_err, value) => {
        closeModal();
        if (!value) return;
        const request = inboundValidators['/admin']['admin.broadcast'].validate({ type, message: value });
        if (!request.ok) return notify('broadcast not sent: the message must be 1-1000 characters');
        session
          .run(() => client.admin.broadcast(request.value))
          .then(() => notify(`broadcast ${type}: ${value}`))
          .catch(fail);
      });
    });
    list.focus();
    screen.render();
  };

  const toggleMaintenance = () => {
    const enabled = state.view().maintenance?.enabled === true;
    const question = blessed.question({
      parent: screen,
      top: 'center',
      left: 'center',
      width: 60,
      height: 7,
      border: { type: 'line' },
      style: { border: { fg: 'yellow' } },
    });
    modal = question;
    const text = enabled
      ? 'Disable maintenance and accept new connections again?'
      : 'Enable maintenance? New non-admin connections will be refused.';
    question.ask(text, (_err, yes) => {
      closeModal();
      if (!yes) return;
      const run = enabled
        ? session.run(() => client.admin.command('maintenance.disable', {}))
        : session.run(() => client.admin.command('maintenance.enable', {}));
      run.then((r) => notify(`maintenance ${r.maintenance.enabled ? 'ON' : 'OFF'}`)).catch(fail);
    });
  };

  const offs = [
    client.on('admin.stats', (stats) => {
      state.addStats(stats);
      render();
    }),
    client.on('admin.alert', (alert) => {
      state.addAlert(alert);
      alerts.log(alertLine(alert));
    }),
    client.on('state', (change) => {
      status =
        change.state === 'connected'
          ? 'connected'
          : `{red-fg}${change.state}: ${blessed.escape(change.reason)}{/red-fg}`;
      render();
    }),
  ];

  try {
    await new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const redraw = setInterval(render, options.redrawMs ?? 1_000);
      const done = () => {
        clearTimeout(timer);
        clearInterval(redraw);
        resolve();
      };
      if (options.durationMs !== undefined) timer = setTimeout(done, options.durationMs);
      void options.stop.then(done);
      screen.key(['C-c'], done);
      screen.key(['q'], () => {
        if (!modal) done();
      });
      screen.key(['c'], () => {
        if (!modal) showConnections().catch(fail);
      });
      screen.key(['b'], () => {
        if (!modal) broadcast();
      });
      screen.key(['m'], () => {
        if (!modal) toggleMaintenance();
      });
      render();
    });
  } finally {
    for (const off of offs) off();
    screen.destroy();
  }
}

function connectionLines(connections: readonly ConnectionInfo[]): string[] {
  const { columns, rows } = connectionTable(connections, { compact: true });
  return formatTable(columns, rows).map((line) => blessed.escape(line));
}
