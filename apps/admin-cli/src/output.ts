import pc from 'picocolors';

type Colors = ReturnType<typeof pc.createColors>;

/** A column of a human table. */
export interface Column {
  header: string;
  /** Numbers read better right-aligned. */
  align?: 'left' | 'right';
}

/** Where output goes and whether it may be coloured. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** True when colours are wanted: a TTY, no NO_COLOR, not a dumb terminal. */
export function colorsEnabled(stream: OutputStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

// ANSI sequences picocolors adds; stripped to measure the visible width of a cell.
const SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function visibleWidth(text: string): number {
  return [...text.replace(SGR, '')].length;
}

/** Human output (aligned tables, colours only on a TTY) and `--json` output for scripts. */
export class Output {
  readonly color: Colors;

  constructor(
    private readonly stream: OutputStream,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.color = pc.createColors(colorsEnabled(stream, env));
  }

  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  line(text = ''): void {
    this.stream.write(`${text}\n`);
  }

  /** One JSON document, pretty-printed, and nothing else. */
  json(value: unknown): void {
    this.stream.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** An aligned table; an empty table prints `empty` instead. */
  table(columns: readonly Column[], rows: readonly (readonly string[])[], empty = '(none)'): void {
    if (rows.length === 0) {
      this.line(this.color.dim(empty));
      return;
    }
    this.line(formatTable(columns, rows, (h) => this.color.bold(h)).join('\n'));
  }

  /** `label  value` pairs with the labels aligned. */
  pairs(entries: readonly (readonly [string, string])[]): void {
    const width = Math.max(...entries.map(([k]) => k.length));
    for (const [key, value] of entries) this.line(`${this.color.dim(key.padEnd(width))}  ${value}`);
  }
}

/** Lines of an aligned table; `header` styles the header cells. */
export function formatTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  header: (text: string) => string = (t) => t,
): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const pad = (text: string, i: number) => {
    const fill = ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleWidth(text)));
    return columns[i]?.align === 'right' ? fill + text : text + fill;
  };
  const lines = [columns.map((c, i) => header(pad(c.header, i))).join('  ')];
  for (const row of rows) lines.push(columns.map((_, i) => pad(row[i] ?? '', i)).join('  '));
  return lines.map((l) => l.trimEnd());
}

/** `1234567` → `1,234,567`; fractions to `digits` places. */
export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * Milliseconds with a unit and three significant digits, so sub-millisecond figures stay readable:
 * `0.0123 ms`, `0.420 ms`, `12.3 ms`, `250 ms`, `1.20 s`; `0 ms` for nothing measured.
 */
export function formatMs(value: number): string {
  if (!(value > 0.000_001) || !Number.isFinite(value)) return '0 ms';
  if (value >= 1_000) return `${(value / 1_000).toPrecision(3)} s`;
  if (value >= 100) return `${value.toFixed(0)} ms`;
  return `${value.toPrecision(3)} ms`;
}

/** How long ago `timestamp` was, compactly: `42s`, `5m`, `3h12m`, `2d4h`. */
export function formatAge(timestamp: number, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - timestamp) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}
