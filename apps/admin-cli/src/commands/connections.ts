import {
  type AdminCommandArgs,
  adminCommandValidators,
  type ConnectionInfo,
  isNamespaceName,
  NAMESPACE_NAMES,
} from '@ws/protocol';
import type { Command } from 'commander';
import { CliError, ExitCodes, usageError } from '../cli-error.js';
import { connectionTable } from '../connection-table.js';
import type { CliContext } from '../context.js';
import { parsePositiveInt } from '../duration.js';
import type { Output } from '../output.js';
import { validateArgs } from '../validate-args.js';

interface ListOptions {
  namespace?: string;
  user?: string;
  limit?: string;
  json?: boolean;
}

interface KickOptions {
  user?: string;
  json?: boolean;
}

export function registerConnectionsCommand(program: Command, ctx: CliContext): void {
  const connections = program.command('connections').description('list or disconnect client connections');

  connections
    .command('list')
    .description('connections across the cluster, newest last')
    .option('--namespace <namespace>', `only this namespace (${NAMESPACE_NAMES.join(', ')})`)
    .option('--user <id>', 'only this user id')
    .option('--limit <n>', 'at most this many rows (the total is still reported)')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: ListOptions, command: Command) => {
      const args = listArgs(opts);
      const result = await ctx.withSession(command, (session) =>
        session.run(() => session.client.admin.command('connections.list', args)),
      );
      if (opts.json) ctx.stdout.json(result);
      else printConnections(ctx.stdout, result.connections, result.total);
    });

  connections
    .command('kick')
    .description('disconnect one socket by id, or every connection of a user')
    .argument('[socketId]', 'the socket to disconnect')
    .option('--user <id>', 'disconnect every connection of this user')
    .option('--json', 'print JSON for scripts')
    .action(async (socketId: string | undefined, opts: KickOptions, command: Command) => {
      if ((socketId === undefined) === (opts.user === undefined)) {
        throw usageError('connections kick needs exactly one of <socketId> or --user <id>');
      }
      const args = validateArgs(
        adminCommandValidators['connections.disconnect'],
        socketId === undefined ? { userId: opts.user } : { socketId },
        'connections kick arguments',
      );
      const result = await ctx.withSession(command, (session) =>
        session.run(() => session.client.admin.command('connections.disconnect', args)),
      );
      const target = socketId === undefined ? `user ${opts.user}` : `socket ${socketId}`;
      if (opts.json) ctx.stdout.json({ ...result, target: args });
      else if (result.disconnected > 0) {
        ctx.stdout.line(
          `disconnected ${result.disconnected} connection${result.disconnected === 1 ? '' : 's'} of ${target}`,
        );
      }
      if (result.disconnected === 0) throw new CliError(`no connection of ${target}`, ExitCodes.FAILURE);
    });
}

function listArgs(opts: ListOptions): AdminCommandArgs<'connections.list'> {
  if (opts.namespace !== undefined) {
    const ns = opts.namespace.startsWith('/') ? opts.namespace : `/${opts.namespace}`;
    if (!isNamespaceName(ns)) {
      throw usageError(
        `--namespace must be one of ${NAMESPACE_NAMES.join(', ')}, got ${JSON.stringify(opts.namespace)}`,
      );
    }
    opts.namespace = ns;
  }
  return validateArgs(
    adminCommandValidators['connections.list'],
    {
      ...(opts.namespace === undefined ? {} : { namespace: opts.namespace }),
      ...(opts.user === undefined ? {} : { userId: opts.user }),
      ...(opts.limit === undefined ? {} : { limit: parsePositiveInt(opts.limit, '--limit') }),
    },
    'connections list arguments',
  );
}

function printConnections(out: Output, connections: readonly ConnectionInfo[], total: number): void {
  const { columns, rows } = connectionTable(connections, { missing: out.color.dim('-') });
  out.table(columns, rows, '(no connections)');
  out.line(out.color.dim(`${connections.length} of ${total} connection${total === 1 ? '' : 's'}`));
}
