import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { parseDuration, parsePositiveInt } from '../duration.js';

interface DashboardOptions {
  plain?: boolean;
  iterations?: string;
  duration?: string;
}

/** Resolves on the first SIGINT/SIGTERM, so the dashboard closes its session and restores the terminal. */
function signalled(): { promise: Promise<void>; dispose: () => void } {
  let dispose = () => {};
  const promise = new Promise<void>((resolve) => {
    const on = () => resolve();
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
    dispose = () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    };
  });
  return { promise, dispose };
}

export function registerDashboardCommand(program: Command, ctx: CliContext): void {
  program
    .command('dashboard')
    .description('live dashboard from admin.stats (plain periodic lines when stdout is not a TTY)')
    .option('--plain', 'plain periodic lines even on a TTY')
    .option('--iterations <n>', 'plain mode: stop after this many reports')
    .option('--duration <duration>', 'stop after this long, e.g. 30s or 10m')
    .action(async (opts: DashboardOptions, command: Command) => {
      const iterations = opts.iterations === undefined ? undefined : parsePositiveInt(opts.iterations, '--iterations');
      const durationMs = opts.duration === undefined ? undefined : parseDuration(opts.duration, '--duration');
      const tty = ctx.stdout.isTTY && process.stdin.isTTY === true && !opts.plain;
      const stop = signalled();
      try {
        // Loaded on demand: the terminal UI library is only needed here.
        const { runTtyDashboard } = await import('../dashboard/tty-dashboard.js');
        const { runPlainDashboard } = await import('../dashboard/plain-dashboard.js');
        await ctx.withSession(command, (session) =>
          tty
            ? runTtyDashboard(session, { durationMs, stop: stop.promise })
            : runPlainDashboard(session, {
                out: ctx.stdout,
                err: ctx.stderr,
                iterations,
                durationMs,
                stop: stop.promise,
              }),
        );
      } finally {
        stop.dispose();
      }
    });
}
