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
    script: options.built ? await builtGatewayEntry() : 'src/main.ts',
    cwd: gatewayDir,
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
