// What the load generator's LeanClient costs per received message: this checkout's implementation against
// an older one (by default the last one built on the `ws` package), on plain Socket.IO and raw ws servers
// and on a synthetic firehose.
//
//   node --conditions=@ws/source --import tsx apps/stress/bench/client-cost.ts
//     [--runs 3] [--seconds 5] [--warmup 1] [--clients 1000]
//     [--targets baseline-socketio,baseline-ws,firehose] [--variants old,new] [--old-ref <git ref>]
//     [--rate <delivered msgs/s>] [--no-pin]
//
// The server runs pinned to CPU 0, this process (publisher and the one client thread) to CPU 1. By
// default the publisher offers far more than the server can deliver, so each run receives as fast as the
// slower of server and client allows; `--rate` offers a fixed rate instead, to compare the clients' CPU
// at the same load. `firehose` (firehose-server.ts) streams pre-encoded Socket.IO frames in 64 KiB
// blocks: the client is the bottleneck there. The client's cost is its thread's CPU time per received
// message, read from /proc/thread-self. Prints every run, then medians and the new/old ratios.
//
// Reading the figures: a client that keeps up with a real server reads each socket as soon as a frame
// arrives, so it pays a read (syscall, TCP ACK, callback) for nearly every message, and a cheaper client
// just polls more often: msgs per CPU-second only measures capacity when the client is the bottleneck
// (thread CPU near 100 %, or the firehose).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { BENCH_SYMBOLS } from '../src/bench/bench-options.js';
import { startTarget } from '../src/bench/bench-target.js';
import { CpuMeter, procCpuSeconds } from '../src/bench/proc-usage.js';
import { type ServerProcess, startServerProcess } from '../src/gateway/server-process.js';
import { Publisher } from '../src/publish/publisher.js';
import type { CostReply, CostRequest, CostWorkerData } from './client-cost-worker.js';

type Target = 'baseline-socketio' | 'baseline-ws' | 'firehose';

/** What makes the server send: the publisher, or the firehose's own switch. */
interface Source {
  start(): void;
  stop(): Promise<void>;
  close(): void;
}
type Variant = 'old' | 'new';

interface RunResult {
  target: Target;
  variant: Variant;
  perSec: number;
  threadCpuPercent: number | null;
  perCpuSec: number | null;
  /** Of the client thread's CPU time, the kernel's share (%). */
  systemPercent: number | null;
  elu: number;
  serverCpuPercent: number | null;
}

const stressDir = fileURLToPath(new URL('../', import.meta.url));
const CACHE_DIR = join(stressDir, 'node_modules', '.cache', 'client-cost');
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    clients: { type: 'string', default: '1000' },
    targets: { type: 'string', default: 'baseline-socketio,baseline-ws,firehose' },
    variants: { type: 'string', default: 'old,new' },
    'old-ref': { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
    rate: { type: 'string' },
  },
});
const runs = Number(args.runs);
const seconds = Number(args.seconds);
const warmup = Number(args.warmup);
const clients = Number(args.clients);
const targets = (args.targets ?? '').split(',') as Target[];
const variants = (args.variants ?? '').split(',') as Variant[];
for (const [name, value] of Object.entries({ runs, seconds, warmup, clients })) {
  if (!(value > 0)) throw new Error(`client-cost: --${name} must be a positive number`);
}
for (const target of targets) {
  if (!['baseline-socketio', 'baseline-ws', 'firehose'].includes(target)) throw new Error(`unknown target ${target}`);
}
for (const variant of variants)
  if (variant !== 'old' && variant !== 'new') throw new Error(`unknown variant ${variant}`);
/** Publishes per second: the offered delivered rate over the subscribers per symbol, or as fast as possible. */
const publishRate = args.rate === undefined ? 5_000_000 : Number(args.rate) / (clients / BENCH_SYMBOLS.length);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The server process alive right now, and the old implementation's copy, for an interrupt to clean up. */
let running: ServerProcess | undefined;
let oldDir: string | undefined;

const git = (...a: string[]) => execFileSync('git', a, { cwd: stressDir, encoding: 'utf8' }).trim();
const exists = (object: string) => {
  try {
    execFileSync('git', ['cat-file', '-e', object], { cwd: stressDir, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Default old ref: the parent of the commit that added raw-websocket.ts (HEAD before it exists). */
function defaultOldRef(): string {
  const added = git('log', '--diff-filter=A', '--format=%H', '-1', '--', 'src/raw-websocket.ts');
  return added === '' ? 'HEAD' : `${added}^`;
}

/**
 * Writes lean-client.ts of `ref` and every module it imports relatively into node_modules/.cache (where
 * `ws` and hdr-histogram-js still resolve), so the old client runs exactly as it was, with its own stats.
 */
function materialise(ref: string): { dir: string; sha: string } {
  const sha = git('rev-parse', '--verify', `${ref}^{commit}`);
  const dir = join(CACHE_DIR, sha);
  mkdirSync(dir, { recursive: true });
  // Package scope lookup stops at node_modules: say that these files are ES modules.
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  // Refs before src/ had folders keep the client flat in src/; later ones in src/clients/.
  const clients = exists(`${sha}:apps/stress/src/clients/lean-client.ts`) ? 'clients' : '';
  const queue = [posix.join(clients, 'lean-client.ts'), posix.join(clients, 'client-stats.ts')];
  const seen = new Set<string>();
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = git('show', `${sha}:apps/stress/src/${file}`);
    mkdirSync(join(dir, posix.dirname(file)), { recursive: true });
    writeFileSync(join(dir, file), text);
    for (const m of text.matchAll(/from '(\.\.?\/[\w/-]+)\.js'/g)) {
      queue.push(posix.join(posix.dirname(file), `${m[1]}.ts`));
    }
  }
  return { dir: join(dir, clients), sha };
}

function pinSelf(): boolean {
  if (args['no-pin'] || availableParallelism() < 2 || process.platform !== 'linux') return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function next<T extends CostReply['type']>(worker: Worker, type: T, timeoutMs: number) {
  return new Promise<Extract<CostReply, { type: T }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker: no ${type} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: CostReply) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(m as Extract<CostReply, { type: T }>);
    };
    worker.on('message', onMessage);
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function measure(
  target: Target,
  variant: Variant,
  implementation: string,
  server: { url: string; pid: number },
  source: Source,
): Promise<RunResult> {
  const data: CostWorkerData = {
    implementation,
    url: server.url,
    target: target === 'baseline-ws' ? 'ws' : 'socketio',
    clients,
    symbols: BENCH_SYMBOLS,
    entry: new URL('./client-cost-worker.ts', import.meta.url).href,
  };
  const worker = new Worker(new URL('../src/workers/worker-bootstrap.mjs', import.meta.url), { workerData: data });
  try {
    const connected = await next(worker, 'connected', 180_000);
    if (connected.failed > 0)
      log(`  ${connected.failed} clients failed to connect: ${JSON.stringify(connected.failures)}`);
    source.start();
    await sleep(warmup * 1000);
    const serverCpu = new CpuMeter(() => procCpuSeconds(server.pid));
    worker.postMessage({ type: 'measure', seconds } satisfies CostRequest);
    const m = await next(worker, 'measured', (seconds + 60) * 1000);
    const serverCpuPercent = serverCpu.percent();
    await source.stop();
    if (m.drops > 0) log(`  ${m.drops} connections dropped during the window`);
    worker.postMessage({ type: 'close' } satisfies CostRequest);
    await next(worker, 'closed', 30_000);
    return {
      target,
      variant,
      perSec: Math.round(m.received / m.wallSec),
      threadCpuPercent: m.threadCpuSec === null ? null : Math.round((m.threadCpuSec / m.wallSec) * 1000) / 10,
      perCpuSec: m.threadCpuSec === null || m.threadCpuSec <= 0 ? null : Math.round(m.received / m.threadCpuSec),
      systemPercent: m.systemShare === null ? null : Math.round(m.systemShare * 100),
      elu: Math.round(m.elu * 1000) / 10,
      serverCpuPercent,
    };
  } finally {
    await worker.terminate();
    // Let the server flush what it still queued for the closed clients before the next run.
    await sleep(1500);
  }
}

function startServer(target: Target, cpu: number | undefined): Promise<ServerProcess> {
  if (target !== 'firehose') return startTarget(target, cpu).then((t) => t.process);
  const here = fileURLToPath(new URL('.', import.meta.url));
  return startServerProcess({ name: target, script: `${here}firehose-server.ts`, cwd: here, env: {}, cpu });
}

function sourceFor(target: Target, url: string): Source {
  if (target === 'firehose') {
    const post = async (path: string) => {
      const res = await fetch(`${url}${path}`, { method: 'POST' });
      await res.body?.cancel();
    };
    const start = () => {
      post('/start').catch((err: unknown) => log(`firehose: ${String(err)}`));
    };
    return { start, stop: () => post('/stop'), close: () => {} };
  }
  const publisher = new Publisher({
    url,
    targets: BENCH_SYMBOLS.map((symbol) => ({ event: 'price.update' as const, symbol })),
    maxInFlight: 4,
    maxBatch: 500,
  });
  return { start: () => publisher.start(publishRate), stop: () => publisher.stop(), close: () => publisher.close() };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? (s[mid] as number)
      : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const fmt = (n: number | null) => (n === null || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));

async function main(): Promise<void> {
  const pinned = pinSelf();
  const oldRef = args['old-ref'] ?? defaultOldRef();
  const old = variants.includes('old') ? materialise(oldRef) : null;
  oldDir = old?.dir;
  const implementations: Record<Variant, string> = {
    old: old ? `${pathToFileURL(old.dir).href}/` : '',
    new: new URL('../src/clients/', import.meta.url).href,
  };
  log(
    `client-cost: ${clients} clients, ${runs} runs x ${seconds} s (+${warmup} s warm-up), pinned ${pinned}, ` +
      `offered ${args.rate === undefined ? 'as fast as possible' : `${args.rate} msgs/s`}, ` +
      `old = ${oldRef}${old ? ` (${old.sha.slice(0, 10)})` : ''}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  const results: RunResult[] = [];
  try {
    for (const target of targets) {
      const server = await startServer(target, pinned ? 0 : undefined);
      running = server;
      const source = sourceFor(target, server.url);
      try {
        for (let run = 1; run <= runs; run++) {
          // Alternate the order so a drift in machine load does not favour one variant.
          const order = run % 2 === 1 ? variants : [...variants].reverse();
          for (const variant of order) {
            const r = await measure(target, variant, implementations[variant], server, source);
            results.push(r);
            log(
              `${target} ${variant} #${run}: ${fmt(r.perSec)} msgs/s, client thread ${r.threadCpuPercent ?? '-'}% CPU ` +
                `(${r.systemPercent ?? '-'}% of it kernel; ELU ${r.elu}%) = ${fmt(r.perCpuSec)} msgs per CPU-second; ` +
                `server ${r.serverCpuPercent ?? '-'}% CPU`,
            );
          }
        }
      } finally {
        source.close();
        await server.stop();
        running = undefined;
      }
    }
  } finally {
    if (old) rmSync(CACHE_DIR, { recursive: true, force: true });
  }

  const lines = [
    '',
    '| target | client | msgs/s | client CPU % | msgs per CPU-second | server CPU % |',
    '|---|---|---|---|---|---|',
  ];
  const medians = new Map<string, { perSec: number; perCpuSec: number }>();
  for (const target of targets) {
    for (const variant of variants) {
      const rs = results.filter((r) => r.target === target && r.variant === variant);
      const perSec = median(rs.map((r) => r.perSec));
      const perCpuSec = median(rs.flatMap((r) => (r.perCpuSec === null ? [] : [r.perCpuSec])));
      medians.set(`${target}/${variant}`, { perSec, perCpuSec });
      lines.push(
        `| ${target} | ${variant} | ${fmt(perSec)} | ${fmt(median(rs.flatMap((r) => (r.threadCpuPercent === null ? [] : [r.threadCpuPercent]))))} ` +
          `| ${fmt(perCpuSec)} | ${fmt(median(rs.flatMap((r) => (r.serverCpuPercent === null ? [] : [r.serverCpuPercent]))))} |`,
      );
    }
  }
  for (const target of targets) {
    const o = medians.get(`${target}/old`);
    const n = medians.get(`${target}/new`);
    if (o && n) {
      lines.push(
        `${target}: new/old = ${(n.perSec / o.perSec).toFixed(2)}x msgs/s, ${(n.perCpuSec / o.perCpuSec).toFixed(2)}x msgs per CPU-second`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// An interrupt still stops the server process (and removes the old implementation's copy).
const interrupt = () => {
  const stopping = running === undefined ? Promise.resolve() : running.stop(1000);
  void stopping.finally(() => {
    if (oldDir) rmSync(CACHE_DIR, { recursive: true, force: true });
    process.exit(130);
  });
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);
await main();
process.exit(0);
