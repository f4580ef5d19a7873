import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAll, connect, signToken } from '@ws/test-support';
import type { TestGateway } from '@ws/test-support/gateway';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cliCommand, cliDir, runCli } from './helpers/run-cli.js';
import { startTestGateway } from './helpers/test-gateway.js';
import { TmuxPane } from './helpers/tmux.js';

/** Alerts raised while no admin watched: `pnpm admin stats` and the dashboard show them anyway. */
describe('active alerts in admin stats and the dashboard', { timeout: 120_000 }, () => {
  let gateway: TestGateway;
  let token: string;
  const sockets: Socket[] = [];
  let pane: TmuxPane | undefined;
  let dir: string;

  beforeAll(async () => {
    // Above one open connection this node alerts: two public clients keep it firing.
    gateway = await startTestGateway({ WS_ALERT_CONNECTIONS: '1', WS_NODE_ID: 'alerting-node' });
    token = signToken({ sub: 'ops-alerts', role: 'admin' });
    dir = mkdtempSync(join(tmpdir(), 'admin-cli-alerts-'));
  });

  afterEach(async () => {
    await pane?.kill();
    pane = undefined;
  });

  afterAll(async () => {
    closeAll(sockets.splice(0));
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stats lists the alerts firing on the node that answers, in text and JSON', async () => {
    sockets.push(await connect(gateway.url, '/prices'), await connect(gateway.url, '/prices'));
    const env = { WS_URL: gateway.url, ADMIN_TOKEN: token };
    await vi.waitFor(
      async () => {
        const { code, stdout } = await runCli(['stats', '--json'], env);
        expect(code).toBe(0);
        expect(JSON.parse(stdout).node.alerts).toEqual([
          expect.objectContaining({ level: 'warning', metric: 'connections', threshold: 1, nodeId: 'alerting-node' }),
        ]);
      },
      { timeout: 60_000, interval: 300 },
    );
    const { code, stdout } = await runCli(['stats'], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^alerts\s+1 firing$/m);
    expect(stdout).toMatch(/^ {2}warning alerting-node: connection count \d+ is above the threshold 1 \(since /m);
    expect(stdout).toMatch(/^latency\s+avg [\d.]+ m?s {2}p50 /m);
    expect(stdout).toMatch(/^ping rtt\s+/m);
  });

  it('the dashboard’s alert panel shows an alert raised before it connected, and clears it once resolved', async () => {
    if (sockets.length === 0) {
      sockets.push(await connect(gateway.url, '/prices'), await connect(gateway.url, '/prices'));
    }
    pane = await TmuxPane.start({
      argv: [...cliCommand, 'dashboard'],
      cwd: cliDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        TERM: 'xterm-256color',
        WS_URL: gateway.url,
        ADMIN_TOKEN: token,
      },
      exitFile: join(dir, 'exit'),
    });
    await vi.waitFor(
      async () => {
        const screen = await pane!.capture();
        expect(screen).toContain('active alerts');
        expect(screen).toMatch(/warning alerting-node: connection count \d+ is above the threshold 1/);
      },
      { timeout: 60_000, interval: 500 },
    );
    // The dashboard connected after the alert fired: it never got that admin.alert event.
    expect(await pane.capture()).not.toMatch(/ALERT warning/);

    closeAll(sockets.splice(0));
    await vi.waitFor(
      async () => {
        const screen = await pane!.capture();
        expect(screen).toMatch(/active alerts[^\n]*\n[^\n]*none/);
        expect(screen).toMatch(/ALERT info: connection count 1 is back below the threshold 1/);
      },
      { timeout: 60_000, interval: 500 },
    );
    await pane.sendKeys('q');
    await vi.waitFor(() => expect(pane!.exitCode()).toBe(0), { timeout: 20_000, interval: 200 });
  });
});
