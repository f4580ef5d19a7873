export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created', ''];

function splitLabels(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && quoted) {
      current += ch + (text[++i] ?? '');
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (current !== '') parts.push(current);
  return parts;
}

/**
 * A strict parser of the Prometheus text exposition format (0.0.4): every line is a HELP, a TYPE or a
 * sample of a declared family; throws on the first line that is not.
 */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const where = `line ${index + 1}: ${line.slice(0, 120)}`;
    if (line.startsWith('# HELP ')) {
      const name = line.slice(7).split(' ')[0] ?? '';
      if (!METRIC_NAME.test(name)) throw new Error(`bad HELP name at ${where}`);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name = '', type = ''] = line.slice(7).split(' ');
      if (!METRIC_NAME.test(name) || !TYPES.has(type)) throw new Error(`bad TYPE at ${where}`);
      if (types.has(name)) throw new Error(`duplicate TYPE at ${where}`);
      types.set(name, type);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample at ${where}`);
    const name = m[1] ?? '';
    const labels: Record<string, string> = {};
    for (const part of m[3] ? splitLabels(m[3]) : []) {
      const lm = LABEL.exec(part.trim());
      if (!lm) throw new Error(`bad label ${part} at ${where}`);
      labels[lm[1] ?? ''] = lm[2] ?? '';
    }
    const raw = m[4] ?? '';
    const value = raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
    // Prometheus reads NaN in any case; prom-client writes `Nan` (e.g. an event-loop mean before any sample).
    if (Number.isNaN(value) && raw.toLowerCase() !== 'nan') throw new Error(`bad value at ${where}`);
    const family = SUFFIXES.map((s) => (s && name.endsWith(s) ? name.slice(0, -s.length) : name)).find((f) =>
      types.has(f),
    );
    if (family === undefined) throw new Error(`sample of an undeclared family at ${where}`);
    samples.push({ name, labels, value });
  }
  return { types, samples };
}

/** Sum of the samples named `name` whose labels include `labels`. */
export function sum(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return exposition.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((acc, s) => acc + s.value, 0);
}
