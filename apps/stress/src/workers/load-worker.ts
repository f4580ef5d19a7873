import { parentPort, workerData } from 'node:worker_threads';
import { ClientStats } from '../clients/client-stats.js';
import { LeanClient } from '../clients/lean-client.js';
import { SdkClient } from '../clients/sdk-client.js';
import type { ClientSpec, WorkerConfig, WorkerReply, WorkerRequest } from './worker-protocol.js';

interface Closable {
  connect(): Promise<void>;
  close(): void;
}

const config = workerData as WorkerConfig;
const stats = new ClientStats();
const clients: Closable[] = [];
const port = parentPort;
if (port === null) throw new Error('load-worker must run in a worker thread');

function create(spec: ClientSpec): Closable[] {
  const common = {
    url: config.url,
    token: spec.token,
    symbols: spec.symbols,
    localAddress: spec.localAddress,
    timeoutMs: config.timeoutMs,
    stats,
  };
  if (config.mode === 'sdk')
    return [new SdkClient({ ...common, namespaces: config.namespaces, channels: config.channels })];
  return config.namespaces.map(
    (namespace) => new LeanClient({ ...common, target: config.target, namespace, channels: config.channels }),
  );
}

/** Connects every spec with at most `concurrency` connects in flight; never throws. */
async function connectAll(specs: ClientSpec[]): Promise<{ ok: number; failed: number }> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++];
      if (spec === undefined) break;
      for (const client of create(spec)) {
        clients.push(client);
        try {
          await client.connect();
          ok++;
        } catch {
          failed++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(config.concurrency, specs.length)) }, lane));
  return { ok, failed };
}

function reply(message: WorkerReply): void {
  port?.postMessage(message);
}

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'connect') {
    void connectAll(request.clients).then((r) => reply({ type: 'connected', id: request.id, ...r }));
  } else if (request.type === 'collect') {
    reply({ type: 'stats', id: request.id, stats: stats.take() });
  } else if (request.type === 'close') {
    const final = stats.take();
    for (const client of clients.splice(0)) client.close();
    reply({ type: 'closed', id: request.id, stats: final });
    port.close();
  }
});
