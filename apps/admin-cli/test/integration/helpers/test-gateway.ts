import { startGateway, type TestGateway } from '@ws/test-support/gateway';

/** A real gateway, in-process, for the CLI to talk to: the test secret, fast admin stats, a short shutdown. */
export function startTestGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  return startGateway({
    NODE_ENV: 'development',
    WS_NODE_ID: 'admin-cli-test',
    WS_ADMIN_STATS_INTERVAL_MS: '200',
    WS_SHUTDOWN_DEADLINE_MS: '1000',
    ...env,
  });
}
