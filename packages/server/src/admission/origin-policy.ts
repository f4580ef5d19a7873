/**
 * Whether a browser `Origin` may open a connection. No `Origin` header (bots, servers, same-origin polling GETs)
 * is allowed: the check protects browsers from pages of other sites, which always send one on WebSocket upgrades
 * and cross-origin requests. `'*'` allows every origin; otherwise only an exact entry of the list, so the opaque
 * origin `null` (sandboxed frames, `file:` pages) is refused.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[] | '*'): boolean {
  if (origin === undefined) return true;
  if (allowed === '*') return true;
  return allowed.includes(origin);
}
