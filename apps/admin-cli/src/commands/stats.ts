import type { MetricsSnapshot, NodeStatus, SubscriptionStats } from '@ws/protocol';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { activeAlertLine, formatLatency } from '../dashboard/format-view.js';
import { formatMs, formatNumber, type Output } from '../output.js';

/** What `admin stats --json` prints. */
export interface StatsSnapshot {
  url: string;
  timestamp: number;
  metrics: MetricsSnapshot;
  subscriptions: SubscriptionStats;
  /** The answering node's state: maintenance, rate-limit rejections, slow consumers, alerts still firing. */
  node: NodeStatus;
}

export function registerStatsCommand(program: Command, ctx: CliContext): void {
  program
    .command('stats')
    .description(
      'one snapshot of the gateway: maintenance, connections, messages, latency, errors, rate limits, subscriptions',
    )
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const snapshot = await ctx.withSession(command, async (session) => {
        const [metrics, subs, node] = await Promise.all([
          session.run(() => session.client.admin.metrics()),
          session.run(() => session.client.admin.command('subscriptions.stats')),
          session.run(() => session.client.admin.command('node.status')),
        ]);
        return {
          url: session.url,
          timestamp: Date.now(),
          metrics,
          subscriptions: subs.stats,
          node: node.status,
        } satisfies StatsSnapshot;
      });
      if (opts.json) ctx.stdout.json(snapshot);
      else printStats(ctx.stdout, snapshot);
    });
}

function printStats(out: Output, { url, metrics: m, subscriptions: s, node: n }: StatsSnapshot): void {
  // Nodes of older versions report no alerts.
  const alerts = n.alerts ?? [];
  out.line(out.color.bold(`Gateway ${url}`));
  const maintenance = n.maintenance.enabled
    ? out.color.yellow(`ON${n.maintenance.message ? ` (${n.maintenance.message})` : ''}`)
    : 'off';
  out.pairs([
    ['node', `${n.nodeId}, up ${formatNumber(n.uptimeSec)} s, event-loop lag ${formatMs(n.eventLoopLagMs)}`],
    ['maintenance', maintenance],
    ['connections', `${formatNumber(m.connections.current)} current, ${formatNumber(m.connections.total)} total`],
    ['messages', `${formatNumber(m.messages.total)} total, ${formatNumber(m.messages.perSecond, 1)}/s`],
    ['latency', `avg ${formatMs(m.latency.avg)}  ${formatLatency(m.latency)}  (publish → written to each recipient)`],
    ['ping rtt', m.pingRtt ? `avg ${formatMs(m.pingRtt.avg)}  ${formatLatency(m.pingRtt)}` : '-'],
    ['errors', `${formatNumber(m.errors.total)} total, ${formatNumber(m.errors.rate, 2)}/s`],
    ['rate limits', `${formatNumber(n.rateLimitRejections)} refused on this node`],
    ['slow consumers', `${formatNumber(n.slowConsumers)} held at their latest state`],
    ['subscriptions', `${formatNumber(s.subscriptions)} in ${formatNumber(s.rooms)} rooms`],
    ['alerts', alerts.length === 0 ? 'none firing' : `${alerts.length} firing`],
  ]);
  for (const alert of alerts) out.line(`  ${out.color.yellow(activeAlertLine(alert))}`);
  out.line();
  out.table(
    [
      { header: 'NAMESPACE' },
      { header: 'CONNECTIONS', align: 'right' },
      { header: 'MSGS IN', align: 'right' },
      { header: 'MSGS OUT', align: 'right' },
      { header: 'SUBSCRIPTIONS', align: 'right' },
    ],
    Object.entries(m.namespaces)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([ns, n]) => [
        ns,
        formatNumber(n.connections),
        formatNumber(n.messagesIn),
        formatNumber(n.messagesOut),
        formatNumber(n.subscriptions),
      ]),
    '(no namespaces)',
  );
  out.line();
  out.table(
    [{ header: 'TOP SYMBOL' }, { header: 'SUBSCRIBERS', align: 'right' }],
    s.topSymbols.map((t) => [t.symbol, formatNumber(t.subscribers)]),
    '(no symbol subscriptions)',
  );
}
