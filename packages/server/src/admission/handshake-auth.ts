import { describeIssues, handshakeValidators, type NamespaceName } from '@ws/protocol';
import { WsError } from '../ws-error.js';

/** What a connection keeps of its handshake `auth`: the protocol's fields only (`since` only on `/user`). */
export type CheckedHandshakeAuth = { token?: string | null; since?: unknown };

/**
 * Checks the handshake `auth` against the protocol's closed `HandshakeAuth` schema and returns the part to keep,
 * so nothing a client adds stays pinned to its connection. Unknown fields are refused with INVALID_PAYLOAD; a
 * token of the wrong type or size is UNAUTHORIZED (a malformed token, as before); an invalid `since` is kept as
 * `null`, which `/user` answers with `recovered: false` rather than refusing the connection.
 */
export function checkHandshakeAuth(namespace: NamespaceName, auth: unknown): CheckedHandshakeAuth {
  const value = (auth ?? {}) as Record<string, unknown>;
  const checked = handshakeValidators.auth.validate(value);
  let sinceValid = true;
  if (!checked.ok) {
    const other = checked.errors.filter((e) => !e.path.startsWith('/since') && !e.path.startsWith('/token'));
    if (other.length > 0) {
      throw new WsError('INVALID_PAYLOAD', `invalid handshake auth: ${describeIssues(other)}`, { details: other });
    }
    if (checked.errors.some((e) => e.path.startsWith('/token'))) throw new WsError('UNAUTHORIZED', 'malformed token');
    sinceValid = false;
  }
  const kept: CheckedHandshakeAuth = {};
  if (value['token'] !== undefined) kept.token = value['token'] as string | null;
  if (namespace === '/user' && value['since'] !== undefined) kept.since = sinceValid ? value['since'] : null;
  return kept;
}
