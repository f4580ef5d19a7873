import { adminCommandValidators, type MaintenanceState } from '@ws/protocol';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Output } from '../output.js';
import { validateArgs } from '../validate-args.js';

export function registerMaintenanceCommand(program: Command, ctx: CliContext): void {
  const maintenance = program
    .command('maintenance')
    .description('refuse (on) or accept again (off) new non-admin connections');

  maintenance
    .command('on')
    .description('enable maintenance: new non-admin connections are refused with MAINTENANCE; admins keep working')
    .option('--message <text>', 'the reason clients are told')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { message?: string; json?: boolean }, command: Command) => {
      const args = validateArgs(
        adminCommandValidators['maintenance.enable'],
        opts.message === undefined ? {} : { message: opts.message },
        'maintenance on arguments',
      );
      const result = await ctx.withSession(command, (session) =>
        session.run(() => session.client.admin.command('maintenance.enable', args)),
      );
      print(ctx.stdout, result.maintenance, opts.json);
    });

  maintenance
    .command('off')
    .description('disable maintenance: new connections are accepted again')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const result = await ctx.withSession(command, (session) =>
        session.run(() => session.client.admin.command('maintenance.disable', {})),
      );
      print(ctx.stdout, result.maintenance, opts.json);
    });
}

function print(out: Output, state: MaintenanceState, json: boolean | undefined): void {
  if (json) out.json({ maintenance: state });
  else if (state.enabled) {
    out.line(`${out.color.yellow('maintenance ON')}${state.message ? `: ${state.message}` : ''}`);
    out.line(out.color.dim('new non-admin connections are refused; connected clients were told'));
  } else out.line(`${out.color.green('maintenance OFF')}: new connections are accepted`);
}
