import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAll, connect, signToken } from '@ws/test-support';
import type { TestGateway } from '@ws/test-support/gateway';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cliCommand, cliDir, cliEnv, runCli } from './helpers/run-cli.js';
import { startTestGateway } from './helpers/test-gateway.js';
import { TmuxPane } from './helpers/tmux.js';

describe('admin dashboard against a real gateway', { timeout: 120_000 }, () => {
  let gateway: TestGateway;
  let token: string;
  const sockets: Socket[] = [];
  let pane: TmuxPane | undefined;
  let dir: string;

  beforeAll(async () => {
    gateway = await startTestGateway();
    token = signToken({ sub: 'ops-dash', role: 'admin' });
    dir = mkdtempSync(join(tmpdir(), 'admin-cli-dash-'));
  });

  afterEach(async () => {
    await pane?.kill();
    pane = undefined;
    closeAll(sockets.splice(0));
  });

  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function pricesClient(symbol: string): Promise<void> {
    const socket = await connect(gateway.url, '/prices');
    sockets.push(socket);
    const ack = (await socket.timeout(10_000).emitWithAck('subscribe', { symbols: [symbol] })) as { ok: boolean };
    expect(ack.ok).toBe(true);
  }

  it('prints plain periodic lines when stdout is not a TTY and stops after --iterations', async () => {
    await pricesClient('BTC/USDT');
    await pricesClient('BTC/USDT');
    const { code, stdout, stderr } = await runCli(['dashboard', '--iterations', '3'], {
      WS_URL: gateway.url,
      ADMIN_TOKEN: token,
    });
    expect(code).toBe(0);
    expect(stderr).toContain(`watching ${gateway.url}`);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+ nodes=admin-cli-test connections=3 \(/);
      expect(line).toContain('/prices=2');
      expect(line).toContain('top=BTC/USDT(2)');
      expect(line).toContain('maintenance=off');
    }
    // From the second report on, message rates are known.
    expect(lines[2]).toMatch(/ in=[\d.,]+\/s out=[\d.,]+\/s /);
    expect(stdout).not.toContain('\u001b[');
  });

  it('renders live figures in a pseudo-terminal and quits on q', async () => {
    await pricesClient('ETH/USDT');
    await pricesClient('ETH/USDT');
    await pricesClient('SOL/USDT');
    const env = cliEnv({ WS_URL: gateway.url, ADMIN_TOKEN: token, TERM: 'xterm-256color' });
    const exitFile = join(dir, 'tty-exit');
    pane = await TmuxPane.start({
      argv: [...cliCommand, 'dashboard'],
      cwd: cliDir,
      env: Object.fromEntries(
        Object.entries(env).filter(
          ([k, v]) => v !== undefined && /^(PATH|HOME|TERM|WS_URL|ADMIN_TOKEN|TMPDIR)$/.test(k),
        ),
      ) as Record<string, string>,
      exitFile,
    });
    let screen = '';
    await vi.waitFor(
      async () => {
        screen = await pane!.capture();
        expect(screen).toContain('ws admin');
        // Figures from admin.stats: 3 /prices clients plus the dashboard's own /admin connection.
        expect(screen).toMatch(/total 4 now/);
        expect(screen).toMatch(/\/prices\s+3\s+3/);
        expect(screen).toMatch(/ETH\/USDT\s+2/);
        expect(screen).toContain('maintenance off');
        expect(screen).toContain('nodes admin-cli-test');
      },
      { timeout: 60_000, interval: 500 },
    );
    expect(screen).toContain('q quit');
    expect(pane.exitCode()).toBeUndefined();

    await pane.sendKeys('q');
    await vi.waitFor(() => expect(pane!.exitCode()).toBe(0), { timeout: 20_000, interval: 200 });
    // The dashboard's /admin connection is gone once it quit.
    await vi.waitFor(() => expect(gateway.server.connections.list({ namespace: '/admin' }).total).toBe(0), {
      timeout: 10_000,
    });
  });

  it('keys in the pseudo-terminal list connections, toggle maintenance and broadcast', async () => {
    const client = await connect(gateway.url, '/prices');
    sockets.push(client);
    const messages: { type: string; message: string }[] = [];
    client.on('system.message', (m: { type: string; message: string }) => messages.push(m));
    const exitFile = join(dir, 'keys-exit');
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
      exitFile,
    });
    await vi.waitFor(async () => expect(await pane!.capture()).toMatch(/\/prices\s+1\s+0/), {
      timeout: 60_000,
      interval: 500,
    });

    await pane.sendKeys('c');
    await vi.waitFor(async () => expect(await pane!.capture()).toContain(client.id!), {
      timeout: 20_000,
      interval: 300,
    });
    // The compact connection table: no ROOMS or NODE column on the screen.
    expect(await pane.capture()).toMatch(/SOCKET ID\s+NAMESPACE\s+USER\s+ROLE\s+IP\s+AGE\s+IN\s+OUT\s/);
    await pane.sendKeys('Escape');
    await vi.waitFor(async () => expect(await pane!.capture()).not.toContain(client.id!), {
      timeout: 20_000,
      interval: 300,
    });

    await pane.sendKeys('m');
    await vi.waitFor(async () => expect(await pane!.capture()).toContain('Enable maintenance?'), {
      timeout: 20_000,
      interval: 300,
    });
    await pane.sendKeys('y');
    await vi.waitFor(() => expect(gateway.server.maintenance.enabled).toBe(true), { timeout: 20_000, interval: 200 });
    await vi.waitFor(async () => expect(await pane!.capture()).toContain('MAINTENANCE ON'), {
      timeout: 20_000,
      interval: 300,
    });
    await pane.sendKeys('m');
    await vi.waitFor(async () => expect(await pane!.capture()).toContain('Disable maintenance'), {
      timeout: 20_000,
      interval: 300,
    });
    await pane.sendKeys('y');
    await vi.waitFor(() => expect(gateway.server.maintenance.enabled).toBe(false), { timeout: 20_000, interval: 200 });

    await pane.sendKeys('b');
    await vi.waitFor(async () => expect(await pane!.capture()).toContain('broadcast type'), {
      timeout: 20_000,
      interval: 300,
    });
    await pane.sendKeys('Down', 'Down', 'Enter');
    await vi.waitFor(async () => expect(await pane!.capture()).toContain('broadcast critical'), {
      timeout: 20_000,
      interval: 300,
    });
    await pane.sendKeys('-l', 'exchange halted');
    await pane.sendKeys('Enter');
    await vi.waitFor(
      () => expect(messages).toContainEqual(expect.objectContaining({ type: 'critical', message: 'exchange halted' })),
      {
        timeout: 20_000,
        interval: 200,
      },
    );

    await pane.sendKeys('q');
    await vi.waitFor(() => expect(pane!.exitCode()).toBe(0), { timeout: 20_000, interval: 200 });
  });
});
