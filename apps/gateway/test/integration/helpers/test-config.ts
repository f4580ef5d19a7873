import { type GatewayConfig, loadConfig } from '../../../src/index.js';
import { TEST_SECRET } from './tokens.js';

/** The configuration of an in-process test gateway: loopback, a free port, the test secret, no demo, quiet; `env` on top. */
export function testConfig(env: Record<string, string> = {}): GatewayConfig {
  return loadConfig({
    WS_PORT: '0',
    WS_HOST: '127.0.0.1',
    WS_JWT_SECRET: TEST_SECRET,
    WS_DEMO_FEED: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
}
