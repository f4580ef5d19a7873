import { CLIENT_VARIABLES, CONFIG_VARIABLES } from './config-variables.js';

/** A `WS_*` or `REDIS_*` variable the gateway does not read, and the known name it most resembles. */
export interface UnknownVariable {
  variable: string;
  closest: string;
}

const KNOWN = Object.keys(CONFIG_VARIABLES);
const ignored = new Set<string>([...KNOWN, ...CLIENT_VARIABLES]);

/** Levenshtein distance: single-character insertions, deletions and substitutions. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known variable closest to `name` (ties: the first in the README's order). */
export function closestVariable(name: string): string {
  let best = KNOWN[0] ?? '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const known of KNOWN) {
    const d = distance(name, known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Every `WS_*`/`REDIS_*` variable in `env` that the gateway would silently ignore (a misspelt
 * `WS_RATE_LIMT_POINTS` would otherwise leave the default in force without a word), sorted by name.
 */
export function findUnknownVariables(env: Record<string, string | undefined>): UnknownVariable[] {
  return Object.keys(env)
    .filter((name) => /^(WS|REDIS)_/.test(name) && !ignored.has(name))
    .sort()
    .map((variable) => ({ variable, closest: closestVariable(variable) }));
}
