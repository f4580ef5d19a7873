import { collect, connect, TEST_SECRET } from '@ws/test-support';
import { type GatewayProcess, isRunning, startGatewayProcess } from '@ws/test-support/gateway';
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('gateway process: signals', () => {
  let gateway: GatewayProcess | undefined;

  afterEach(async () => {
    await gateway?.kill();
    gateway = undefined;
  });

  it('SIGTERM: readiness 503 while draining, clients told to reconnect, exit 0', async () => {
    gateway = await startGatewayProcess({
      WS_JWT_SECRET: TEST_SECRET,
      WS_DEMO_FEED_INTERVAL_MS: '50',
      WS_SHUTDOWN_DRAIN_DELAY_MS: '1500',
      WS_SHUTDOWN_DEADLINE_MS: '5000',
    });
    const prices = await connect(gateway.url, '/prices');
    const messages = collect<{ type: string; reconnectAfterMs?: number }>(prices, 'system.message');
    const disconnected = new Promise<string>((resolve) => prices.once('disconnect', (reason) => resolve(reason)));
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);

    gateway.proc.kill('SIGTERM');
    await vi.waitFor(
      async () => {
        const res = await fetch(`${gateway?.url}/readyz`);
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ status: 'not_ready', reason: 'draining' });
      },
      { timeout: 5_000, interval: 50 },
    );
    // Liveness stays green while draining: the node is healthy, just leaving.
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);

    expect(await gateway.exited).toBe(0);
    expect(await disconnected).toBe('io server disconnect');
    expect(messages.some((m) => m.type === 'reconnect')).toBe(true);
    expect(gateway.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['draining', 'stopped']));
    prices.close();
  });

  it('SIGINT stops an idle gateway with exit 0', async () => {
    gateway = await startGatewayProcess({ WS_JWT_SECRET: TEST_SECRET, WS_DEMO_FEED: '0' });
    expect(await gateway.stop('SIGINT')).toBe(0);
  });

  // `pnpm start` is what a user runs, so the process they (or their supervisor) signal is pnpm, not node.
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the `pnpm start` process drains the gateway; pnpm exits 0',
    async (signal) => {
      gateway = await startGatewayProcess({ WS_JWT_SECRET: TEST_SECRET, WS_DEMO_FEED: '0' }, 120_000, { kind: 'pnpm' });
      expect(gateway.pid).not.toBe(gateway.proc.pid);
      const prices = await connect(gateway.url, '/prices');
      const messages = collect<{ type: string }>(prices, 'system.message');
      const disconnected = new Promise<string>((resolve) => prices.once('disconnect', (reason) => resolve(reason)));

      expect(await gateway.stop(signal)).toBe(0);
      expect(await disconnected).toBe('io server disconnect');
      expect(messages.some((m) => m.type === 'reconnect')).toBe(true);
      expect(gateway.logs).toContainEqual(expect.objectContaining({ msg: 'stopped', signal }));
      // pnpm waited for the gateway: nothing is left serving.
      expect(isRunning(gateway.pid)).toBe(false);
      await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
      prices.close();
    },
  );
});
