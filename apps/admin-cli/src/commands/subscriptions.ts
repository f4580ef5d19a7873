import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { formatNumber } from '../output.js';

export function registerSubscriptionsCommand(program: Command, ctx: CliContext): void {
  program
    .command('subscriptions')
    .description('subscription statistics: rooms, per namespace, top rooms and symbols')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const { stats } = await ctx.withSession(command, (session) =>
        session.run(() => session.client.admin.command('subscriptions.stats')),
      );
      if (opts.json) {
        ctx.stdout.json({ stats });
        return;
      }
      const out = ctx.stdout;
      out.pairs([
        ['subscriptions', formatNumber(stats.subscriptions)],
        ['rooms', formatNumber(stats.rooms)],
      ]);
      out.line();
      out.table(
        [{ header: 'NAMESPACE' }, { header: 'SUBSCRIPTIONS', align: 'right' }],
        Object.entries(stats.byNamespace).map(([ns, n]) => [ns, formatNumber(n)]),
        '(no subscriptions)',
      );
      out.line();
      out.table(
        [{ header: 'TOP ROOM' }, { header: 'SUBSCRIBERS', align: 'right' }],
        stats.topRooms.map((r) => [r.room, formatNumber(r.subscribers)]),
        '(no rooms)',
      );
      out.line();
      out.table(
        [{ header: 'TOP SYMBOL' }, { header: 'SUBSCRIBERS', align: 'right' }],
        stats.topSymbols.map((s) => [s.symbol, formatNumber(s.subscribers)]),
        '(no symbol subscriptions)',
      );
    });
}
