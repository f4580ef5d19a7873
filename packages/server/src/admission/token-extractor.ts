import type { IncomingHttpHeaders } from 'node:http';

/** Longest token accepted anywhere; matches the protocol's `auth.refresh` bound. */
export const MAX_TOKEN_LENGTH = 8192;

/** What a handshake carries: no token, a token, or something that is not a usable token. */
export type ExtractedToken = { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'invalid' };

const BEARER = /^Bearer +([A-Za-z0-9_.~+/=-]+)$/i;

/**
 * Reads `auth.token` from the Socket.IO handshake, else an `Authorization: Bearer` header.
 * `undefined`, `null` and `''` count as no token; any other non-string or an oversized value is invalid,
 * so a public namespace refuses it instead of silently treating the client as anonymous.
 */
export function extractToken(handshake: {
  auth?: Record<string, unknown> | undefined;
  headers?: IncomingHttpHeaders | undefined;
}): ExtractedToken {
  const fromAuth: unknown = handshake.auth?.['token'];
  if (fromAuth !== undefined && fromAuth !== null && fromAuth !== '') {
    if (typeof fromAuth !== 'string' || fromAuth.length > MAX_TOKEN_LENGTH) return { kind: 'invalid' };
    return { kind: 'token', token: fromAuth };
  }
  const header = handshake.headers?.authorization;
  if (header === undefined || header === '') return { kind: 'none' };
  if (header.length > MAX_TOKEN_LENGTH + 16) return { kind: 'invalid' };
  const match = BEARER.exec(header.trim());
  const token = match?.[1];
  return token === undefined ? { kind: 'invalid' } : { kind: 'token', token };
}
