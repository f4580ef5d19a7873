import { writeFileSync } from 'node:fs';
import { parseStressOptions, USAGE, UsageError } from './run/stress-options.js';
import { formatReport } from './run/stress-report.js';
import { runStress } from './run/stress-run.js';

/** Exit codes: 0 passed, 1 the run failed, 2 a threshold was broken, 64 bad usage, 130 interrupted. */
async function main(): Promise<number> {
  let options: ReturnType<typeof parseStressOptions>;
  try {
    options = parseStressOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError || err instanceof Error) {
      process.stderr.write(`ws:stress: ${err.message}\n\n${USAGE}`);
      return 64;
    }
    throw err;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write('\nws:stress: interrupted, closing clients (again to quit now)\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tty = process.stderr.isTTY === true;
  process.stderr.write(
    `ws:stress: ${options.clients} ${options.mode} clients -> ${options.url} ${options.namespaces.join(',')} for ${options.durationSec}s` +
      `${options.publishRate > 0 ? `, publishing ${options.publishRate}/s` : ', listening to the demo feed'}\n`,
  );
  const report = await runStress(options, {
    signal: abort.signal,
    progress: (line, final) => {
      if (tty) process.stderr.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
      else process.stderr.write(`${line}\n`);
    },
  });
  process.stdout.write(`\n${formatReport(report)}\n`);
  if (options.jsonPath) writeFileSync(options.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  if (report.outcome === 'interrupted') return 130;
  if (report.connections.connected === 0) {
    process.stderr.write('ws:stress: no client connected\n');
    return 1;
  }
  return report.thresholds.passed ? 0 : 2;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ws:stress: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
