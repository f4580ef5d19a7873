import { NAMESPACE_NAMES } from '@ws/protocol';
import { ConfigError, type GatewayConfig, loadConfig } from './config.js';
import { loadOrCreateDevSecret } from './dev-secret.js';
import type { Gateway } from './gateway.js';
import { createLogger, type GatewayLogger } from './logger.js';
import { ThrottledLog } from './throttled-log.js';
import { findUnknownVariables } from './unknown-variables.js';

/** Extra time beyond the graceful-close deadline before the process exits anyway. */
const EXIT_GRACE_MS = 3_000;

function exitOnConfigError(err: unknown): void {
  if (!(err instanceof ConfigError)) return;
  process.stderr.write('gateway: invalid configuration, not starting:\n');
  for (const issue of err.issues) process.stderr.write(`  ${issue.variable}: ${issue.message}\n`);
  process.exit(1);
}

function readConfig(): GatewayConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    exitOnConfigError(err);
    throw err;
  }
}

function banner(config: GatewayConfig, url: string, devSecretPath: string | null): string {
  const lines = [
    '',
    `  Trading WebSocket gateway ${config.nodeId} is listening on ${url}`,
    `  Namespaces:  ${NAMESPACE_NAMES.map((ns) => `${url}${ns}`).join('  ')}`,
    `  HTTP:        ${url}/healthz  ${url}/readyz  ${url}/metrics  POST ${url}/api/v1/publish`,
    `  Demo market: ${config.demo.enabled ? `on (${config.symbols.length} symbols, every ${config.demo.intervalMs} ms)` : 'off'}`,
    `  Redis:       ${config.redis ? `on (${config.redis.target.kind}: Redis adapter, shared rate limits)` : 'off (single node, in-memory)'}`,
    `  Console:     ${config.adminConsole ? `${url}/admin/console (log in with an admin token)` : 'off (WS_ADMIN_CONSOLE=1 turns it on)'}`,
  ];
  if (devSecretPath) {
    lines.push(
      `  DEV MODE:    JWTs are signed with a generated development secret in ${devSecretPath}`,
      '               mint a token with `pnpm admin token` (never use this in production)',
    );
  }
  lines.push('  Try it:      pnpm ws:example', '');
  return lines.join('\n');
}

function installSignals(gateway: Gateway, config: GatewayConfig, logger: GatewayLogger): void {
  let stopping = false;
  const shutdown = (signal: string, code: number) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(code === 0 ? 130 : code);
    }
    stopping = true;
    logger.info({ signal, deadlineMs: config.shutdownDeadlineMs }, 'draining');
    const hard = setTimeout(
      () => {
        logger.error({ signal }, 'graceful shutdown missed its deadline; exiting');
        process.exit(1);
      },
      config.drainDelayMs + config.shutdownDeadlineMs + EXIT_GRACE_MS,
    );
    hard.unref();
    gateway
      .stop()
      .then(() => {
        logger.info({ signal }, 'stopped');
        process.exit(code);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  // SIGHUP reloads the certificate (rotated by cert-manager, certbot...); without TLS it is ignored, not fatal.
  process.on('SIGHUP', () => {
    if (config.tls) gateway.reloadTls();
    else logger.info({ signal: 'SIGHUP' }, 'no TLS configured; nothing to reload');
  });
  process.on('uncaughtException', (err) => {
    logger.error({ err }, 'uncaught exception; shutting down');
    shutdown('uncaughtException', 1);
  });
  // A stray rejection is a bug to fix, not a reason to drop every trader's connection.
  const rejections = new ThrottledLog(logger);
  process.on('unhandledRejection', (reason) => rejections.error(reason, 'unhandled rejection'));
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ level: config.logLevel, nodeId: config.nodeId });
  for (const { variable, closest } of findUnknownVariables(process.env)) {
    logger.warn({ variable, closest }, `unknown variable ${variable} is ignored; did you mean ${closest}?`);
  }
  let devSecret: string | undefined;
  let devSecretPath: string | null = null;
  if (config.needsDevSecret) {
    const dev = loadOrCreateDevSecret(config.devSecretFile);
    devSecret = dev.secret;
    devSecretPath = dev.path;
    logger.warn(
      { devSecretFile: dev.path, created: dev.created },
      'NO JWT CONFIGURATION: using a development secret (set WS_JWT_SECRET, WS_JWT_PUBLIC_KEY or WS_JWT_JWKS_URL for real deployments)',
    );
  }
  if (config.demo.enabled && config.redis) {
    logger.warn({}, 'demo feed with REDIS_URL: run the demo feed on exactly one node (WS_DEMO_FEED=0 on the others)');
  }
  // Loaded after the configuration is known to be valid, so a bad variable is reported at once.
  const { createGateway } = await import('./gateway.js');
  const gateway = createGateway(config, { logger, ...(devSecret !== undefined ? { devSecret } : {}) });
  installSignals(gateway, config, logger);
  const { port } = await gateway.start();
  logger.info(
    {
      port,
      url: gateway.url,
      namespaces: NAMESPACE_NAMES,
      demoFeed: config.demo.enabled,
      redis: config.redis?.target.kind ?? null,
    },
    'listening',
  );
  process.stderr.write(`${banner(config, gateway.url, devSecretPath)}\n`);
}

main().catch((err: unknown) => {
  exitOnConfigError(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    const port = process.env['WS_PORT'] ?? '3000';
    const why = code === 'EADDRINUSE' ? 'is already in use' : 'needs privileges';
    process.stderr.write(`gateway: WS_PORT: port ${port} ${why}; choose another with WS_PORT=<port>\n`);
    process.exit(1);
  }
  process.stderr.write(`gateway: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
