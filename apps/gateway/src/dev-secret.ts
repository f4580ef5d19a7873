import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The development JWT secret: reused from `file` when it holds one (so tokens minted by
 * `pnpm admin token` survive restarts), otherwise generated and written with mode 0600.
 */
export function loadOrCreateDevSecret(file: string): { secret: string; path: string; created: boolean } {
  const path = resolve(file);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 32) return { secret: existing, path, created: false };
  } catch {
    // missing or unreadable: create a new one
  }
  const secret = randomBytes(32).toString('hex');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { secret, path, created: true };
}
