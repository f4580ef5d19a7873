// `pnpm bench:median bench/results/a.json b.json c.json`: the medians bench/README.md quotes (see its Results).
import { readFileSync } from 'node:fs';
import { type BenchResultFile, formatMedianReport, medianReport } from '@ws/stress/bench/median';

function read(file: string): BenchResultFile {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const d = doc as Partial<BenchResultFile> | null;
  if (typeof d?.date !== 'string' || !Array.isArray(d.targets) || !Array.isArray(d.goals)) {
    throw new Error(`${file}: not a benchmark result (no date, targets and goals)`);
  }
  return d as BenchResultFile;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: pnpm bench:median <result.json>... (e.g. the three runs of bench/results/)\n');
  process.exit(2);
}
try {
  process.stdout.write(formatMedianReport(medianReport(files.map(read))));
} catch (err) {
  process.stderr.write(`bench:median: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
