import { createGateway, type Gateway, type GatewayConfig, type GatewayOptions, loadConfig } from '@ws/gateway';
import { TEST_SECRET } from './tokens.js';

export {
  type GatewayLaunch,
  type GatewayProcess,
  gatewayDir,
  isRunning,
  type LogLine,
  repoDir,
  runGatewayToExit,
  startGatewayProcess,
} from './gateway-process.js';

/** The configuration of an in-process test gateway: loopback, a free port, `TEST_SECRET`, no demo, quiet; `env` on top. */
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

/** A started in-process gateway; disposing it stops it. */
export interface TestGateway extends Gateway, AsyncDisposable {}

/** Creates the gateway from `testConfig(env)` and starts it (`await using gw = await startGateway()`). */
export async function startGateway(env: Record<string, string> = {}, options?: GatewayOptions): Promise<TestGateway> {
  const gateway = createGateway(testConfig(env), options);
  try {
    await gateway.start();
  } catch (err) {
    await gateway.stop();
    throw err;
  }
  return Object.assign(gateway, { [Symbol.asyncDispose]: () => gateway.stop() });
}
