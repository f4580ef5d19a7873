import { usageError } from './cli-error.js';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `30s`, `15m`, `1h`, `7d` (a bare number is seconds) into milliseconds; usage error otherwise. */
export function parseDuration(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1_000) : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw usageError(`${name} must be a duration like 30s, 15m, 1h or 7d, got ${JSON.stringify(text)}`);
  }
  return Math.round(ms);
}

/** Parses a positive integer option; usage error otherwise. */
export function parsePositiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw usageError(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return n;
}
