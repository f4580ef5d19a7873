import { inboundValidators } from '@ws/protocol';
import { type Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { validateArgs } from '../validate-args.js';

/** Types an operator broadcasts; `maintenance` and `reconnect` belong to the gateway's own flows. */
export const BROADCAST_TYPES = ['info', 'warning', 'critical'] as const;

export function registerBroadcastCommand(program: Command, ctx: CliContext): void {
  program
    .command('broadcast')
    .description('send a system.message to every connected client on every namespace')
    .addOption(new Option('--type <type>', 'severity').choices(BROADCAST_TYPES).makeOptionMandatory())
    .requiredOption('--message <text>', 'the text clients show (1-1000 characters)')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { type: string; message: string; json?: boolean }, command: Command) => {
      const request = validateArgs(
        inboundValidators['/admin']['admin.broadcast'],
        { type: opts.type, message: opts.message },
        'broadcast',
      );
      const result = await ctx.withSession(command, (session) =>
        session.run(() => session.client.admin.broadcast(request)),
      );
      if (opts.json) ctx.stdout.json({ ...result, ...request });
      else ctx.stdout.line(`broadcast ${request.type} message to every connected client`);
    });
}
