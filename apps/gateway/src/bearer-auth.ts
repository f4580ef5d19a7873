/** What a verified token grants. */
export interface VerifiedToken {
  role: string | null;
  /** The token's `exp` (ms since the epoch); null when it has none. */
  expiresAt: number | null;
}

/** Verifies a JWT; rejects when it is invalid, expired or not for this gateway. */
export type VerifyToken = (token: string) => Promise<VerifiedToken>;

/** Why a request was refused: 401 for a missing or bad token, 403 for a good token without the right role. */
export class BearerAuthError extends Error {
  override readonly name = 'BearerAuthError';
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks `Authorization: Bearer <token>` with the same verifier the sockets use
 * (the server's AuthMiddleware), then requires one of `roles`.
 */
export async function authorizeBearer(
  header: string | undefined,
  verify: VerifyToken,
  roles: readonly string[],
): Promise<{ role: string }> {
  const match = header === undefined ? null : /^Bearer\s+(\S{1,8192})\s*$/i.exec(header);
  if (!match?.[1]) throw new BearerAuthError(401, 'missing bearer token');
  let role: string | null;
  try {
    ({ role } = await verify(match[1]));
  } catch {
    throw new BearerAuthError(401, 'invalid or expired token');
  }
  if (role === null || !roles.includes(role)) throw new BearerAuthError(403, `role ${roles.join(' or ')} required`);
  return { role };
}
