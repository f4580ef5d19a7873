import { loadConfig } from '../../../../gateway/src/config.js';
import { createGateway, type Gateway } from '../../../../gateway/src/gateway.js';

/** A 64-character HS256 secret the test gateway trusts. */
export const TEST_SECRET = 'admin-cli-test-secret-0123456789abcdef0123456789abcdef0123456789';

/** A real gateway, in-process, on a free port: known JWT secret, no demo feed, fast admin stats, silent logs. */
export async function startTestGateway(env: Record<string, string> = {}): Promise<Gateway> {
  const config = loadConfig({
    NODE_ENV: 'development',
    WS_PORT: '0',
    WS_HOST: '127.0.0.1',
    WS_NODE_ID: 'admin-cli-test',
    WS_JWT_SECRET: TEST_SECRET,
    WS_DEMO_FEED: 'false',
    WS_ADMIN_STATS_INTERVAL_MS: '200',
    WS_SHUTDOWN_DEADLINE_MS: '1000',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const gateway = createGateway(config);
  await gateway.start();
  return gateway;
}
