import { Command, CommanderError } from 'commander';
import { CliError, ExitCodes } from './cli-error.js';
import { registerBroadcastCommand } from './commands/broadcast.js';
import { registerConnectionsCommand } from './commands/connections.js';
import { registerDashboardCommand } from './commands/dashboard.js';
import { registerMaintenanceCommand } from './commands/maintenance.js';
import { registerStatsCommand } from './commands/stats.js';
import { registerSubscriptionsCommand } from './commands/subscriptions.js';
import { registerTokenCommand } from './commands/token.js';
import { CliContext, DEFAULT_TIMEOUT, DEFAULT_URL } from './context.js';

/** The `admin` program: global options, every command, usage errors thrown (not exited) so `main` maps them. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('admin')
    .description('operations CLI for the trading WebSocket gateway (talks to its /admin namespace)')
    .option('--url <url>', `gateway base URL (env WS_URL, default ${DEFAULT_URL})`)
    .option('--token <jwt>', 'admin JWT (env ADMIN_TOKEN)')
    .option('--timeout <duration>', `connection and request timeout (default ${DEFAULT_TIMEOUT})`)
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 failure (unreachable, refused), 2 usage, 3 unauthorised or not admin.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    })
    .exitOverride();
  registerStatsCommand(program, ctx);
  registerConnectionsCommand(program, ctx);
  registerBroadcastCommand(program, ctx);
  registerMaintenanceCommand(program, ctx);
  registerSubscriptionsCommand(program, ctx);
  registerTokenCommand(program, ctx);
  registerDashboardCommand(program, ctx);
  // Subcommands inherit exitOverride and output only when set before they are added; apply to all.
  for (const command of program.commands) {
    command.exitOverride().showHelpAfterError('(run with --help for usage)');
    for (const sub of command.commands) sub.exitOverride().showHelpAfterError('(run with --help for usage)');
  }
  return program;
}

/** Runs the CLI and resolves with its exit code; never throws. */
export async function run(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const ctx = new CliContext(env, { stdout: process.stdout, stderr: process.stderr });
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCodes.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
      return ok && error.exitCode === 0 ? ExitCodes.OK : ExitCodes.USAGE;
    }
    if (error instanceof CliError) {
      ctx.stderr.line(`${ctx.stderr.color.red('error:')} ${error.message}`);
      return error.exitCode;
    }
    ctx.stderr.line(
      `${ctx.stderr.color.red('error:')} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return ExitCodes.FAILURE;
  }
}

process.exitCode = await run(process.argv.slice(2));
