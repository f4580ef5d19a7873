import { Worker } from 'node:worker_threads';
import type { StatsDelta } from '../clients/client-stats.js';
import type { ClientSpec, WorkerConfig, WorkerReply, WorkerRequest } from './worker-protocol.js';

type Pending = { resolve: (reply: WorkerReply) => void; reject: (err: Error) => void };
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Load-generator threads; clients are dealt round-robin so every thread carries the same load. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private rr = 0;
  private failure: Error | undefined;

  constructor(config: WorkerConfig, size: number) {
    // Running from TypeScript sources (tsx), the thread needs a bootstrap that installs tsx first.
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(fromSource ? './load-worker.ts' : './load-worker.js', import.meta.url);
    const script = fromSource ? new URL('./worker-bootstrap.mjs', import.meta.url) : entry;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(script, { workerData: { ...config, entry: entry.href } });
      worker.on('message', (message: WorkerReply) => {
        const p = this.pending.get(message.id);
        if (!p) return;
        this.pending.delete(message.id);
        p.resolve(message);
      });
      worker.on('error', (err) => {
        this.failure ??= err;
        this.rejectAll(err);
      });
      worker.on('exit', () => this.rejectAll(this.failure ?? new Error('load worker exited')));
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  private rejectAll(err: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
  }

  private ask(worker: Worker, request: Request, timeoutMs: number): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`load worker did not answer ${request.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  /** Connects the clients (spread over the threads); resolves with how many connected and failed. */
  async connect(clients: ClientSpec[], timeoutMs: number): Promise<{ ok: number; failed: number }> {
    const shares: ClientSpec[][] = this.workers.map(() => []);
    for (const spec of clients) {
      shares[this.rr++ % this.workers.length]?.push(spec);
    }
    const replies = await Promise.all(
      this.workers.map((w, i) =>
        (shares[i]?.length ?? 0) > 0
          ? this.ask(w, { type: 'connect', clients: shares[i] ?? [] }, timeoutMs)
          : Promise.resolve({ type: 'connected', id: 0, ok: 0, failed: 0 } as WorkerReply),
      ),
    );
    let ok = 0;
    let failed = 0;
    for (const r of replies) {
      if (r.type !== 'connected') continue;
      ok += r.ok;
      failed += r.failed;
    }
    return { ok, failed };
  }

  /** Resolves once every thread has loaded its code (seconds under tsx on a busy machine). */
  async ready(timeoutMs = 120_000): Promise<void> {
    await Promise.all(this.workers.map((w) => this.ask(w, { type: 'collect' }, timeoutMs)));
  }

  /** Every thread's counters since the previous collect. */
  async collect(): Promise<StatsDelta[]> {
    const replies = await Promise.all(this.workers.map((w) => this.ask(w, { type: 'collect' }, 30_000)));
    return replies.flatMap((r) => (r.type === 'stats' ? [r.stats] : []));
  }

  /** Closes every client, returns the last counters, and ends the threads. Idempotent. */
  async close(): Promise<StatsDelta[]> {
    if (this.closed) return [];
    this.closed = true;
    const replies = await Promise.all(
      this.workers.map((w) => this.ask(w, { type: 'close' }, 10_000).catch(() => null)),
    );
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.rejectAll(new Error('load workers closed'));
    return replies.flatMap((r) => (r?.type === 'closed' ? [r.stats] : []));
  }
}
