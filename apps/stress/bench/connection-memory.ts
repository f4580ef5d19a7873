// Memory per idle connection: the gateway vs plain Socket.IO, heap and RSS, medians of several runs.
//
//   node --conditions=@ws/source --import tsx apps/stress/bench/connection-memory.ts [options]
//
//   --clients N        idle /prices clients per run, each with its own JWT and one symbol (default 3000)
//   --runs R           runs per target; the report gives the medians (default 3)
//   --targets a,b      gateway, baseline-socketio (default both, interleaved run by run)
//   --snapshots DIR    first, one extra run per target (not counted in the medians: a snapshot inflates RSS)
//                      that writes heap snapshots before and after the N clients to DIR and prints the
//                      difference per connection by constructor
//   --settle MS        wait before each measurement (default 3000)
//   --warmup W         clients connected before the first measurement and kept (default 200), so code compiled
//                      and pools grown by the first connections do not count as per-connection memory
//
// Each server runs as its own process (the gateway from apps/gateway/src/main.ts with the benchmark's
// settings: JWT secret, no Redis, default event rate limits) with `--inspect` on a loopback port; the script
// drives V8 over the inspector protocol (full GC, heap usage, snapshots), so no server carries a debug hook.
// RSS comes from /proc/<pid>/status. Clients are the benchmark's lean clients in one worker thread.
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { BENCH_SYMBOLS } from '../src/bench/bench-options.js';
import { BENCH_JWT_SECRET } from '../src/bench/bench-target.js';
import { procRssBytes } from '../src/bench/proc-usage.js';
import { startGatewayProcess } from '../src/gateway/gateway-process.js';
import { freePort, type ServerProcess, startServerProcess } from '../src/gateway/server-process.js';
import { mintToken } from '../src/gateway/token.js';
import { WorkerPool } from '../src/workers/worker-pool.js';
import type { ClientSpec } from '../src/workers/worker-protocol.js';

type Target = 'gateway' | 'baseline-socketio';
const TARGETS: readonly Target[] = ['gateway', 'baseline-socketio'];

interface Sample {
  heapUsed: number;
  rss: number;
}

interface RunResult {
  target: Target;
  clients: number;
  heapPerConnection: number;
  rssPerConnection: number;
  heapBefore: number;
  rssBefore: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
class Inspector {
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #listeners = new Map<string, (params: Record<string, unknown>) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as {
        id?: number;
        method?: string;
        params?: Record<string, unknown>;
        result?: unknown;
        error?: { message: string };
      };
      if (msg.id !== undefined) {
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error.message));
        else p?.resolve(msg.result);
      } else if (msg.method) this.#listeners.get(msg.method)?.(msg.params ?? {});
    });
  }

  static async connect(port: number, timeoutMs = 30_000): Promise<Inspector> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
          webSocketDebuggerUrl: string;
        }[];
        const url = list[0]?.webSocketDebuggerUrl;
        if (url) {
          const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
          await new Promise((res, rej) => ws.once('open', res).once('error', rej));
          return new Inspector(ws);
        }
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      await sleep(200);
    }
  }

  call<T>(method: string, params: object = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  on(method: string, listener: (params: Record<string, unknown>) => void): void {
    this.#listeners.set(method, listener);
  }

  close(): void {
    this.ws.close();
  }
}

/** Full GC (twice: the first may leave finalizer work), settle, then heap used and RSS. */
async function measure(inspector: Inspector, pid: number, settleMs: number): Promise<Sample> {
  await sleep(settleMs);
  await inspector.call('HeapProfiler.collectGarbage');
  await inspector.call('HeapProfiler.collectGarbage');
  await sleep(500);
  const heap = await inspector.call<{ usedSize: number }>('Runtime.getHeapUsage');
  return { heapUsed: heap.usedSize, rss: procRssBytes(pid) ?? Number.NaN };
}

async function writeSnapshot(inspector: Inspector, file: string): Promise<void> {
  const out = createWriteStream(file);
  inspector.on('HeapProfiler.addHeapSnapshotChunk', (p) => out.write(p['chunk'] as string));
  await inspector.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
}

interface SnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per (node type, constructor/name), the "comparison" view of DevTools. */
function summarizeSnapshot(file: string): Map<string, { count: number; size: number }> {
  const json = JSON.parse(readFileSync(file, 'utf8')) as SnapshotJson;
  const fields = json.snapshot.meta.node_fields;
  const types = json.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < json.nodes.length; i += width) {
    const type = types[json.nodes[i + iType] ?? 0] ?? '?';
    const rawName = json.strings[json.nodes[i + iName] ?? 0] ?? '';
    // Strings and numbers are grouped by type; objects, closures and arrays by constructor/function name.
    const name =
      type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number'
        ? ''
        : rawName.slice(0, 60);
    const key = `${type}:${name}`;
    const entry = out.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += json.nodes[i + iSize] ?? 0;
    out.set(key, entry);
  }
  return out;
}

function printSnapshotDiff(target: Target, before: string, after: string, clients: number): void {
  const a = summarizeSnapshot(before);
  const b = summarizeSnapshot(after);
  const rows: { key: string; count: number; size: number }[] = [];
  for (const [key, v] of b) {
    const w = a.get(key) ?? { count: 0, size: 0 };
    rows.push({ key, count: v.count - w.count, size: v.size - w.size });
  }
  rows.sort((x, y) => y.size - x.size);
  const total = rows.reduce((s, r) => s + r.size, 0);
  process.stdout.write(
    `\n${target}: heap snapshot difference per connection (self sizes, ${clients} clients): ${(total / clients).toFixed(0)} B\n`,
  );
  process.stdout.write('  bytes/conn  objs/conn  type:constructor\n');
  for (const r of rows.slice(0, 45)) {
    if (Math.abs(r.size / clients) < 8) continue;
    process.stdout.write(
      `  ${(r.size / clients).toFixed(0).padStart(10)}  ${(r.count / clients).toFixed(2).padStart(9)}  ${r.key}\n`,
    );
  }
}

async function start(target: Target, inspectPort: number): Promise<ServerProcess> {
  const env = { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` };
  if (target === 'gateway') return startGatewayProcess({ jwtSecret: BENCH_JWT_SECRET, env });
  const script = resolve(import.meta.dirname, '../src/bench/baseline-socketio-server.ts');
  return startServerProcess({ name: target, script, cwd: resolve(import.meta.dirname, '../src/bench'), env });
}

async function specs(target: Target, clients: number): Promise<ClientSpec[]> {
  const out: ClientSpec[] = [];
  for (let i = 0; i < clients; i++) {
    out.push({
      index: i,
      symbols: [BENCH_SYMBOLS[i % BENCH_SYMBOLS.length] ?? 'BTC/USDT'],
      token:
        target === 'gateway'
          ? await mintToken(BENCH_JWT_SECRET, { userId: `bench-${i}`, role: 'user', ttlSec: 6 * 3600 })
          : undefined,
    });
  }
  return out;
}

async function runOnce(
  target: Target,
  clients: number,
  warmup: number,
  settleMs: number,
  snapshotDir: string | undefined,
): Promise<RunResult> {
  const inspectPort = await freePort();
  const server = await start(target, inspectPort);
  const inspector = await Inspector.connect(inspectPort);
  const pool = new WorkerPool(
    {
      url: server.url,
      mode: 'lean',
      target: 'socketio',
      namespaces: ['/prices'],
      channels: [],
      timeoutMs: 30_000,
      concurrency: 100,
    },
    1,
  );
  try {
    const list = await specs(target, warmup + clients);
    await pool.ready();
    // Warm-up clients stay connected: code compiled and pools grown on the first connections are not per connection.
    const warm = await pool.connect(list.slice(0, warmup), 300_000);
    if (warm.failed > 0) throw new Error(`${target}: ${warm.failed} of ${warmup} warm-up clients failed to connect`);
    const before = await measure(inspector, server.pid, settleMs);
    const snapshots = [`${target}-before.heapsnapshot`, `${target}-after-${clients}.heapsnapshot`];
    if (snapshotDir) await writeSnapshot(inspector, join(snapshotDir, snapshots[0] as string));
    const { ok, failed } = await pool.connect(list.slice(warmup), 300_000);
    if (failed > 0 || ok !== clients) throw new Error(`${target}: ${failed} of ${clients} clients failed to connect`);
    const after = await measure(inspector, server.pid, settleMs);
    if (snapshotDir) {
      await writeSnapshot(inspector, join(snapshotDir, snapshots[1] as string));
      const [first, second] = snapshots.map((f) => join(snapshotDir, f));
      printSnapshotDiff(target, first as string, second as string, clients);
    }
    return {
      target,
      clients,
      heapPerConnection: (after.heapUsed - before.heapUsed) / clients,
      rssPerConnection: (after.rss - before.rss) / clients,
      heapBefore: before.heapUsed,
      rssBefore: before.rss,
    };
  } finally {
    await pool.close();
    inspector.close();
    await server.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const kb = (bytes: number) => (bytes / 1024).toFixed(2);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '3000' },
      runs: { type: 'string', default: '3' },
      targets: { type: 'string', default: TARGETS.join(',') },
      snapshots: { type: 'string' },
      settle: { type: 'string', default: '3000' },
      warmup: { type: 'string', default: '200' },
    },
  });
  const clients = Number(values.clients);
  const runs = Number(values.runs);
  const settleMs = Number(values.settle);
  const warmup = Number(values.warmup);
  const targets = values.targets.split(',').map((t) => t.trim()) as Target[];
  for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`unknown target ${t}`);
  if (![clients, runs, warmup].every(Number.isInteger) || clients < 1 || runs < 1 || warmup < 0) {
    throw new Error('--clients and --runs must be positive integers, --warmup a non-negative one');
  }
  const snapshotDir = values.snapshots === undefined ? undefined : resolve(values.snapshots);
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });

  if (snapshotDir) for (const target of targets) await runOnce(target, clients, warmup, settleMs, snapshotDir);
  const results: RunResult[] = [];
  for (let run = 0; run < runs; run++) {
    for (const target of targets) {
      const r = await runOnce(target, clients, warmup, settleMs, undefined);
      results.push(r);
      log(
        `run ${run + 1}/${runs} ${target}: heap ${kb(r.heapPerConnection)} KB/conn, RSS ${kb(r.rssPerConnection)} KB/conn ` +
          `(idle process: heap ${kb(r.heapBefore / 1024)} MB, RSS ${kb(r.rssBefore / 1024)} MB)`,
      );
    }
  }
  const lines = [`\nmemory per idle connection, ${clients} /prices clients, medians of ${runs} run(s):`];
  lines.push('  target               heap KB/conn   RSS KB/conn   runs (heap / RSS)');
  const medians = new Map<Target, { heap: number; rss: number }>();
  for (const target of targets) {
    const mine = results.filter((r) => r.target === target);
    const heap = median(mine.map((r) => r.heapPerConnection));
    const rss = median(mine.map((r) => r.rssPerConnection));
    medians.set(target, { heap, rss });
    const each = mine.map((r) => `${kb(r.heapPerConnection)}/${kb(r.rssPerConnection)}`).join(', ');
    lines.push(`  ${target.padEnd(20)} ${kb(heap).padStart(12)}   ${kb(rss).padStart(11)}   ${each}`);
  }
  const g = medians.get('gateway');
  const s = medians.get('baseline-socketio');
  if (g && s) {
    lines.push(
      `  ratio gateway / socket.io: heap ${(g.heap / s.heap).toFixed(2)}x, RSS ${(g.rss / s.rss).toFixed(2)}x`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`connection-memory: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
