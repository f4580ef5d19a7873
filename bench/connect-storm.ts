// `pnpm bench:connect`: connections per second and reconnect storms, gateway vs plain Socket.IO (see bench/README.md).
// Env: CONNECT_TARGETS (baseline-socketio,gateway; the first is the baseline; gateway-bundle runs the bundle
// CONNECT_GATEWAY_BUNDLE, another revision's apps/gateway/dist/main.js), CONNECT_ROUNDS (5),
// CONNECT_STEPS (1000,5000,10000), CONNECT_STORMS (2), CONNECT_CONCURRENCY (200), BENCH_PIN (1), BENCH_OUT.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatConnectStorm, readConnectStormOptions, runConnectStorm } from '@ws/stress/bench/connect-storm';

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
try {
  const options = readConnectStormOptions(process.env);
  log(
    `targets ${options.targets.join(', ')}; ${options.rounds} rounds; steps ${options.steps.join(', ')}; ${options.storms} storms`,
  );
  const run = await runConnectStorm(options, log);
  const outDir = process.env.BENCH_OUT ?? fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `connect-storm-${run.date.slice(0, 16).replace(/[-:T]/g, '')}.json`);
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  const { machine } = run;
  process.stdout.write(
    `\n${machine.cpu} x${machine.cpus}, node ${machine.node}, pinned ${machine.pinned}, load average ` +
      `${machine.loadAverage.start.toFixed(2)} -> ${machine.loadAverage.end.toFixed(2)}\n` +
      `${formatConnectStorm(run.summary, options.rounds)}\n\nwritten ${file}\n`,
  );
  process.exit(0);
} catch (err) {
  process.stderr.write(`bench:connect: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
