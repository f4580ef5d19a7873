import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBenchOptions } from './bench-options.js';
import { buildBenchDocument, formatBenchDocument } from './bench-report.js';
import { type BenchRun, type RunningServers, runBenchmark, type TargetResult } from './run-benchmark.js';

/** `pnpm test:ws:performance`: the three targets, every step, the ratios; writes bench/results/<date>.json. */
export async function main(): Promise<number> {
  const defaultOut = fileURLToPath(new URL('../../../../bench/results/', import.meta.url));
  const options = readBenchOptions(process.env, defaultOut);
  const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  log(`targets ${options.targets.join(', ')}; steps ${options.steps.join(', ')}; ${options.durationSec}s per trial`);
  const running: RunningServers = new Set();
  const results: TargetResult[] = [];
  const t0 = performance.now();
  const write = (run: BenchRun) => {
    const doc = buildBenchDocument(run);
    mkdirSync(options.outDir, { recursive: true });
    const day = doc.date.slice(0, 10);
    let file = join(options.outDir, `${day}.json`);
    if (existsSync(file)) file = join(options.outDir, `${day}-${doc.date.slice(11, 16).replace(':', '')}.json`);
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
    process.stdout.write(`\n${formatBenchDocument(doc)}\n\nwritten ${file} (${run.elapsedSec}s)\n`);
  };
  // Interrupted (Ctrl-C, or a `timeout`): stop the servers and still write what was measured.
  const interrupt = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping ${running.size} server process(es); writing the partial result`);
    const elapsedSec = Math.round((performance.now() - t0) / 1000);
    void Promise.all([...running].map((p) => p.stop(2000)))
      .then(() => write({ options, pinned: options.pin, results, elapsedSec, interrupted: true }))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const run = await runBenchmark(options, log, running, results);
  write(run);
  return run.results.some((r) => r.error) ? 1 : 0;
}
