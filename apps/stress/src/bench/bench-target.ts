import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LeanTarget } from '../clients/lean-client.js';
import { startGatewayProcess } from '../gateway/gateway-process.js';
import { type ServerProcess, startServerProcess } from '../gateway/server-process.js';
import type { BenchTarget } from './bench-options.js';
import { startBenchRedis } from './bench-redis.js';

export const BENCH_JWT_SECRET = 'bench-secret-not-for-production-0123456789abcdef';

export interface RunningTarget {
  name: BenchTarget;
  process: ServerProcess;
  /** Protocol the lean clients speak to it. */
  protocol: LeanTarget;
  /** Whether clients and the publisher must carry tokens. */
  auth: boolean;
  /** The target's own `redis-server` (the Redis pair), stopped with it. */
  redis: { stop(): Promise<void> } | undefined;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** Diagnostics for the server processes (`BENCH_SERVER_NODE_FLAGS`, `BENCH_SERVER_LOG_DIR`). */
export interface TargetDiagnostics {
  nodeFlags: string[];
  logDir: string | undefined;
}

/**
 * Starts one benchmark target as its own process, pinned to `cpu` when given; a Redis target first gets a
 * fresh `redis-server`, pinned to `redisCpu` (the load generator's CPU).
 */
export async function startTarget(
  name: BenchTarget,
  cpu: number | undefined,
  diagnostics: TargetDiagnostics = { nodeFlags: [], logDir: undefined },
  /** `WS_SYMBOLS` of the gateway (the market workload's 50 symbols); its default list when absent. */
  symbols?: readonly string[],
  /** CPU of the Redis targets' `redis-server` (the load generator's). */
  redisCpu: number | undefined = undefined,
): Promise<RunningTarget> {
  const redis = name.endsWith('-redis') ? await startBenchRedis(redisCpu) : undefined;
  try {
    return { ...(await startServer(name, cpu, diagnostics, { symbols, redisUrl: redis?.url })), redis };
  } catch (err) {
    await redis?.stop();
    throw err;
  }
}

async function startServer(
  name: BenchTarget,
  cpu: number | undefined,
  diagnostics: TargetDiagnostics,
  { symbols, redisUrl }: { symbols: readonly string[] | undefined; redisUrl: string | undefined },
): Promise<Omit<RunningTarget, 'redis'>> {
  const { nodeFlags } = diagnostics;
  const logFile = diagnostics.logDir === undefined ? undefined : join(diagnostics.logDir, `${name}.log`);
  const redisEnv: Record<string, string> = redisUrl === undefined ? {} : { REDIS_URL: redisUrl };
  if (name === 'gateway' || name === 'gateway-redis') {
    return {
      name,
      // The production log level, not the load tool's quiet one: what a log line per connection costs counts.
      process: await startGatewayProcess({
        jwtSecret: BENCH_JWT_SECRET,
        cpu,
        nodeFlags,
        logFile,
        // The production bundle, as deployed: tsx's source transform (its `__name` wrappers) is not measured.
        built: true,
        env: { LOG_LEVEL: 'info', ...(symbols ? { WS_SYMBOLS: symbols.join(',') } : {}), ...redisEnv },
      }),
      protocol: 'socketio',
      auth: true,
    };
  }
  const script = name === 'baseline-ws' ? 'baseline-ws-server.ts' : 'baseline-socketio-server.ts';
  const process = await startServerProcess({
    name,
    script: `${here}${script}`,
    cwd: here,
    env: redisEnv,
    cpu,
    nodeFlags,
    logFile,
  });
  return { name, process, protocol: name === 'baseline-ws' ? 'ws' : 'socketio', auth: false };
}
