import { type ChildProcessByStdio, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ConnectResult, LoadDriver, LoadDriverOptions, OfferResult } from './load-driver.js';

/** `bench/native`: the C source, its Makefile and (after a build) `build/wsload`. */
export const NATIVE_DIR = fileURLToPath(new URL('../../../../bench/native/', import.meta.url));

/**
 * Builds `bench/native/build/wsload` with `make` (a no-op when it is up to date). Returns its path, or the
 * reason it could not be built (no `make`, no C compiler, a compile error).
 */
export function buildNativeLoadGenerator(): { path: string } | { error: string } {
  try {
    execFileSync('make', ['-s', '-C', NATIVE_DIR], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    return { path: join(NATIVE_DIR, 'build', 'wsload') };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    const detail = e.code === 'ENOENT' ? '`make` is not installed' : (e.stderr?.toString().trim() ?? e.message);
    return { error: detail.slice(0, 500) };
  }
}

type Reply = Record<string, unknown>;

/**
 * The native load generator (`bench/native/wsload.c`) as a child process on its own core: N clients and the
 * publisher in one epoll loop, driven one command per line over stdin, one JSON reply per line on stdout.
 */
export class NativeLoadDriver implements LoadDriver {
  readonly kind = 'native';
  private readonly replies: Reply[] = [];
  private waiter: ((reply: Reply) => void) | null = null;
  private exited: string | null = null;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    private readonly dir: string,
  ) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        reply = { error: `unreadable reply: ${line.slice(0, 200)}` };
      }
      const waiter = this.waiter;
      this.waiter = null;
      if (waiter) waiter(reply);
      else this.replies.push(reply);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-2000);
    });
    child.once('exit', (code, signal) => {
      this.exited = `wsload exited (${code ?? signal})${this.stderr ? `: ${this.stderr.trim()}` : ''}`;
      this.waiter?.({ error: this.exited });
      this.waiter = null;
    });
  }

  /** Writes the tokens to a private temp directory and starts `binary`, pinned to `cpu` when given. */
  static async start(binary: string, options: LoadDriverOptions, cpu: number | undefined): Promise<NativeLoadDriver> {
    const dir = mkdtempSync(join(tmpdir(), 'ws-bench-'));
    const args = [
      '--port',
      new URL(options.url).port,
      '--mode',
      options.protocol === 'ws' ? 'ws' : 'sio',
      '--clients',
      String(options.maxClients),
      '--symbols',
      options.symbols.join(','),
      '--server-pid',
      String(options.serverPid),
      '--concurrency',
      String(options.concurrency),
      '--timeout-ms',
      String(options.connectTimeoutMs),
    ];
    if (options.market) {
      const m = options.market;
      writeFileSync(join(dir, 'subs'), `${m.subscriptions.map((s) => s.join(',')).join('\n')}\n`);
      writeFileSync(join(dir, 'plan'), `${m.plan.map((p) => `${p.symbol} ${p.kind}`).join('\n')}\n`);
      args.push('--workload', 'market', '--subs', join(dir, 'subs'), '--plan', join(dir, 'plan'));
      args.push('--batch-ms', String(m.batchMs));
    }
    if (options.clientTokens) {
      writeFileSync(join(dir, 'tokens'), `${options.clientTokens.join('\n')}\n`, { mode: 0o600 });
      args.push('--tokens', join(dir, 'tokens'));
    }
    if (options.publisherToken) {
      writeFileSync(join(dir, 'publisher-token'), options.publisherToken, { mode: 0o600 });
      args.push('--publisher-token', join(dir, 'publisher-token'));
    }
    const [command, argv] = cpu === undefined ? [binary, args] : ['taskset', ['-c', String(cpu), binary, ...args]];
    const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const driver = new NativeLoadDriver(child, dir);
    const ready = await driver.next(10_000);
    if (ready.ready !== true) {
      await driver.close();
      throw new Error(`wsload did not start: ${String(ready.error ?? JSON.stringify(ready))}`);
    }
    return driver;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private next(timeoutMs: number): Promise<Reply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve({ error: this.exited });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve({ error: `wsload did not answer within ${timeoutMs} ms` });
      }, timeoutMs);
      this.waiter = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
    });
  }

  private async ask(command: string, timeoutMs: number): Promise<Reply> {
    if (this.exited) throw new Error(this.exited);
    this.child.stdin.write(`${command}\n`);
    const reply = await this.next(timeoutMs);
    if (typeof reply.error === 'string') throw new Error(`wsload ${command.split(' ')[0]}: ${reply.error}`);
    return reply;
  }

  async connect(from: number, to: number, timeoutMs: number): Promise<ConnectResult> {
    const r = await this.ask(`connect ${from} ${to}`, timeoutMs);
    const firstError = typeof r.firstError === 'string' && r.firstError !== '' ? r.firstError : undefined;
    return {
      ok: Number(r.ok),
      failed: Number(r.failed),
      p99Ms: Number(r.p99Ms),
      ...(firstError ? { firstError } : {}),
    };
  }

  /** Closes clients `from`..`to - 1` at once, as a lost node's clients go; resolves with how many were open. */
  async closeClients(from: number, to: number): Promise<number> {
    const r = await this.ask(`close ${from} ${to}`, 30_000);
    return Number(r.closed);
  }

  async offer(publishRate: number, durationSec: number, graceMs: number): Promise<OfferResult> {
    const durationMs = Math.round(durationSec * 1000);
    const r = await this.ask(`offer ${publishRate.toFixed(3)} ${durationMs} ${graceMs}`, durationMs + graceMs + 30_000);
    const percent = (x: unknown) => (typeof x === 'number' && x >= 0 ? x : null);
    return {
      offered: Number(r.offered),
      failed: Number(r.failed),
      maxLagMs: Number(r.maxLagMs),
      received: Number(r.received),
      ...(typeof r.expected === 'number' ? { expected: r.expected } : {}),
      windowSec: Number(r.windowSec),
      p50Ms: Number(r.p50Ms),
      p99Ms: Number(r.p99Ms),
      maxMs: Number(r.maxMs),
      drops: Number(r.drops),
      gaps: Number(r.gaps),
      generatorCpuPercent: percent(r.generatorCpuPercent),
      serverCpuPercent: percent(r.serverCpuPercent),
    };
  }

  async drain(boundMs: number): Promise<number> {
    const r = await this.ask(`drain ${boundMs}`, boundMs + 10_000);
    return Number(r.drainMs);
  }

  async close(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.stdin.end('quit\n');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
