import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtGatewayEntry } from './gateway-build.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

export interface GatewayProcessOptions {
  /** `WS_JWT_SECRET`: auth on, with a secret the tool can mint tokens with. */
  jwtSecret: string;
  cpu?: number | undefined;
  /** Extra environment, e.g. `WS_DEMO_FEED=1`. */
  env?: Record<string, string>;
  /** Extra Node.js flags and a log file (diagnostics), as in `ServerProcessOptions`. */
  nodeFlags?: string[];
  logFile?: string | undefined;
  /**
   * Run the production bundle (tsup, as `pnpm start:prod` does), built from the current source, instead of
   * the TypeScript source under tsx: what a benchmark should measure.
   */
  built?: boolean;
  /**
   * A production bundle to run instead (another checkout's `apps/gateway/dist/main.js`, for an A/B of two
   * revisions); it runs in the folder of the nearest `package.json` above it.
   */
  entry?: string;
}

function packageDirOf(file: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return dirname(file);
}

const gatewayDir = fileURLToPath(new URL('../../../gateway/', import.meta.url));

/**
 * The real gateway as its own process (`apps/gateway/src/main.ts`, or its production bundle with `built`) with every feature on: JWT auth,
 * validation, seq, metrics. Load-test settings: no demo feed, quiet logs, a handshake limit and no per-IP
 * connection cap, so thousands of loopback connections from one IP are neither throttled nor capped.
 */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<ServerProcess> {
  return startServerProcess({
    name: 'gateway',
    script: options.entry ?? (options.built ? await builtGatewayEntry() : 'src/main.ts'),
    cwd: options.entry === undefined ? gatewayDir : packageDirOf(options.entry),
    cpu: options.cpu,
    nodeFlags: options.nodeFlags ?? [],
    logFile: options.logFile,
    env: {
      NODE_ENV: 'development',
      WS_JWT_SECRET: options.jwtSecret,
      WS_DEMO_FEED: '0',
      LOG_LEVEL: 'warn',
      WS_HANDSHAKE_RATE_LIMIT_POINTS: '1000000',
      WS_MAX_CONNECTIONS_PER_IP: '0',
      WS_SHUTDOWN_DEADLINE_MS: '2000',
      ...options.env,
    },
  });
}
