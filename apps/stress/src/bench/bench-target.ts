import { fileURLToPath } from 'node:url';
import { startGatewayProcess } from '../gateway-process.js';
import type { LeanTarget } from '../lean-client.js';
import { type ServerProcess, startServerProcess } from '../server-process.js';
import type { BenchTarget } from './bench-options.js';

export const BENCH_JWT_SECRET = 'bench-secret-not-for-production-0123456789abcdef';

export interface RunningTarget {
  name: BenchTarget;
  process: ServerProcess;
  /** Protocol the lean clients speak to it. */
  protocol: LeanTarget;
  /** Whether clients and the publisher must carry tokens. */
  auth: boolean;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** Starts one benchmark target as its own process, pinned to `cpu` when given. */
export async function startTarget(name: BenchTarget, cpu: number | undefined): Promise<RunningTarget> {
  if (name === 'gateway') {
    return {
      name,
      process: await startGatewayProcess({ jwtSecret: BENCH_JWT_SECRET, cpu }),
      protocol: 'socketio',
      auth: true,
    };
  }
  const script = name === 'baseline-ws' ? 'baseline-ws-server.ts' : 'baseline-socketio-server.ts';
  const process = await startServerProcess({ name, script: `${here}${script}`, cwd: here, env: {}, cpu });
  return { name, process, protocol: name === 'baseline-ws' ? 'ws' : 'socketio', auth: false };
}
