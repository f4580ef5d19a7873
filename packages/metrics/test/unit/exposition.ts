// A strict reader of the Prometheus text exposition format (0.0.4), enough to check what we emit.
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\["\\\\n])*"';
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?[Ii][Nn][Ff]|[Nn][Aa][Nn])'; // Go's ParseFloat, as Prometheus reads it
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(${LABEL}(?:,${LABEL})*)?,?\\})? (${VALUE})(?: -?\\d+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[m[1] as string] = (m[2] as string).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
  }
  return labels;
}

/** Parses the text or throws on the first line that breaks the grammar or a sample outside its family. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    const fail = (why: string) => new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    if (line === '') continue;
    const help = HELP.exec(line);
    if (help) {
      const name = help[1] as string;
      if (families.has(name)) throw fail('family declared twice');
      current = { name, type: 'untyped', help: help[2] as string, samples: [] };
      families.set(name, current);
      continue;
    }
    const type = TYPE.exec(line);
    if (type) {
      if (current === undefined || current.name !== type[1]) throw fail('TYPE without its HELP');
      current.type = type[2] as string;
      continue;
    }
    if (line.startsWith('#')) throw fail('unknown comment');
    const sample = SAMPLE.exec(line);
    if (!sample) throw fail('not a sample');
    const name = sample[1] as string;
    if (!current) throw fail('sample before any family');
    const suffixes =
      current.type === 'histogram'
        ? ['_bucket', '_sum', '_count']
        : current.type === 'summary'
          ? ['', '_sum', '_count']
          : [''];
    const family = current.name;
    if (!suffixes.some((s) => name === family + s)) throw fail(`sample outside family ${family}`);
    current.samples.push({ name, labels: parseLabels(sample[2]), value: Number(sample[3]) });
  }
  return families;
}
