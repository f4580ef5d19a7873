import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/cluster-node.ts', import.meta.url));
// node itself with tsx as a loader (not the tsx CLI, which runs a child process a SIGKILL would miss).
const tsxLoader = new URL('../../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

export interface NodeProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** Publishes through this node; resolves with the wire payload. */
  publish(event: string, data: object, userId?: string): Promise<Record<string, unknown>>;
  /** SIGKILL: no drain, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM: graceful close. */
  stop(): Promise<void>;
}

/** Spawns a gateway node process (tsx, package sources) on the given Redis; `init` adds server options (JSON). */
export async function startNodeProcess(
  redisPort: number,
  nodeId: string,
  secret: string,
  init: object = {},
): Promise<NodeProcess> {
  const args = ['--import', tsxLoader, '--conditions=@ws/source', fixture, String(redisPort), nodeId, secret];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, WS_TEST_SERVER_INIT: JSON.stringify(init) },
  });
  const pending = new Map<string, { resolve(v: Record<string, unknown>): void; reject(e: Error): void }>();
  let buffered = '';
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${nodeId} did not start: ${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`node ${nodeId} exited ${code}: ${stderr}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        const [kind, id, ...rest] = line.split(' ');
        if (kind === 'READY') {
          clearTimeout(timer);
          resolve(Number(id));
        } else if (kind === 'OK' || kind === 'ERR') {
          const p = pending.get(id ?? '');
          pending.delete(id ?? '');
          if (kind === 'OK') p?.resolve(JSON.parse(rest.join(' ')) as Record<string, unknown>);
          else p?.reject(new Error(rest.join(' ')));
        }
      }
    });
  });
  let next = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    publish: (event, data, userId) =>
      new Promise((resolve, reject) => {
        const id = String(next++);
        pending.set(id, { resolve, reject });
        child.stdin?.write(`${id} publish ${event} ${userId ?? '-'} ${JSON.stringify(data)}\n`);
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
