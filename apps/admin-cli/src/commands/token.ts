import { isUserId, type Role } from '@ws/protocol';
import { type Command, Option } from 'commander';
import { usageError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { parseDuration } from '../duration.js';
import { mintDevToken, ROLES, resolveDevSecret } from '../token.js';

interface TokenOptions {
  user: string;
  role: Role;
  ttl: string;
  secretFile?: string;
  json?: boolean;
}

export function registerTokenCommand(program: Command, ctx: CliContext): void {
  program
    .command('token')
    .description('mint a JWT for local development and tests (signed with WS_JWT_SECRET or the gateway .dev-secret)')
    .requiredOption('--user <id>', 'the user id (sub claim)')
    .addOption(new Option('--role <role>', 'the role claim').choices(ROLES).default('user'))
    .option('--ttl <duration>', 'lifetime, e.g. 15m, 1h, 7d', '1h')
    .option('--secret-file <path>', 'read the HS256 secret from this file instead')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: TokenOptions) => {
      const ttlMs = parseDuration(opts.ttl, '--ttl');
      // Bad input is a usage error even when no secret is around.
      if (!isUserId(opts.user))
        throw usageError(`--user must match the user-id pattern, got ${JSON.stringify(opts.user)}`);
      const { secret, source } = resolveDevSecret(ctx.env, opts.secretFile);
      const { token, expiresAt } = await mintDevToken({ userId: opts.user, role: opts.role, ttlMs, secret });
      ctx.stderr.line(
        ctx.stderr.color.yellow(
          `development token for user ${opts.user} (role ${opts.role}), expires ${new Date(expiresAt).toISOString()}; ` +
            `signed with ${source}. For development and tests only: production tokens come from your identity provider.`,
        ),
      );
      if (opts.json) ctx.stdout.json({ token, userId: opts.user, role: opts.role, expiresAt });
      else ctx.stdout.line(token);
    });
}
