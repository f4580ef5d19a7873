import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isUserId, type Role } from '@ws/protocol';
import { SignJWT } from 'jose';
import { CliError, ExitCodes, usageError } from './cli-error.js';

export const ROLES: readonly Role[] = ['user', 'admin', 'service'];
/** The gateway refuses shorter HS256 secrets. */
const MIN_SECRET_LENGTH = 32;

/** Where a development secret came from, for the notice on stderr. */
export interface DevSecret {
  secret: string;
  source: string;
}

export interface MintOptions {
  userId: string;
  role: Role;
  ttlMs: number;
  secret: string;
  now?: number;
}

/** An HS256 JWT with `sub`, `role`, `iat` and `exp`, as the gateway's AuthMiddleware reads them. */
export async function mintDevToken(options: MintOptions): Promise<{ token: string; expiresAt: number }> {
  if (!isUserId(options.userId))
    throw usageError(`--user must match the user-id pattern, got ${JSON.stringify(options.userId)}`);
  if (!ROLES.includes(options.role)) throw usageError(`--role must be one of ${ROLES.join(', ')}`);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const exp = now + Math.max(1, Math.round(options.ttlMs / 1000));
  const token = await new SignJWT({ role: options.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.userId)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(options.secret));
  return { token, expiresAt: exp * 1000 };
}

/** The gateway's directory, where a dev-mode gateway writes `.dev-secret`. */
const GATEWAY_DIR = fileURLToPath(new URL('../../gateway/', import.meta.url));

/**
 * The secret to sign with: `WS_JWT_SECRET`, else the gateway's development secret file
 * (`--secret-file`, `WS_DEV_SECRET_FILE`, or `.dev-secret` in the invoking directory, cwd, apps/gateway).
 */
export function resolveDevSecret(env: NodeJS.ProcessEnv, secretFile?: string): DevSecret {
  const fromEnv = env.WS_JWT_SECRET?.trim();
  if (fromEnv && !secretFile) {
    if (fromEnv.length < MIN_SECRET_LENGTH) {
      throw new CliError(`WS_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`, ExitCodes.USAGE);
    }
    return { secret: fromEnv, source: 'WS_JWT_SECRET' };
  }
  // pnpm runs scripts in the package directory; INIT_CWD is where the operator typed the command.
  const bases = [env.INIT_CWD, process.cwd()].filter((b): b is string => typeof b === 'string' && b !== '');
  const candidates = secretFile
    ? bases.slice(0, 1).map((b) => resolve(b, secretFile))
    : [
        ...(env.WS_DEV_SECRET_FILE ? bases.map((b) => resolve(b, env.WS_DEV_SECRET_FILE as string)) : []),
        ...bases.map((b) => resolve(b, '.dev-secret')),
        resolve(GATEWAY_DIR, env.WS_DEV_SECRET_FILE ?? '.dev-secret'),
      ];
  for (const path of [...new Set(candidates)]) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch {
      continue;
    }
    if (text.length >= MIN_SECRET_LENGTH) return { secret: text, source: path };
  }
  throw new CliError(
    secretFile
      ? `no usable secret in ${candidates.join(', ')}`
      : 'no signing secret: set WS_JWT_SECRET, or start the gateway in development mode once so it writes .dev-secret',
    ExitCodes.FAILURE,
  );
}
