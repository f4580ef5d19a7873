import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole } from '@ws/console/build';
import { closeAll, connect, signToken } from '@ws/test-support';
import { startGateway } from '@ws/test-support/gateway';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, type Gateway } from '../../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of each step, for a person to look at (gitignored). */
const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/console/', import.meta.url));

let out: string;
let gateway: Gateway;
let browser: Browser;
let page: Page;
const problems: string[] = [];
const clients: Socket[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  out = mkdtempSync(join(tmpdir(), 'console-e2e-'));
  await buildConsole(out);
  gateway = await startGateway(
    {
      WS_ADMIN_STATS_INTERVAL_MS: '200',
      WS_CORS_ORIGIN: '*',
      WS_NODE_ID: 'gw-console-test',
      // The console's own connection and three clients cross it; nothing else may alert.
      WS_ALERT_CONNECTIONS: '3',
      WS_ALERT_ERROR_RATE: '1000000',
      WS_ALERT_EVENT_LOOP_LAG_MS: '600000',
    },
    { consoleDir: out },
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Every page error and console error (CSP violations are reported there) fails the run at the end.
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
}, 120_000);

afterAll(async () => {
  closeAll(clients);
  await browser?.close();
  await gateway?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
const tileValue = async (id: string) =>
  Number((await page.getByTestId(`tile-${id}`).locator('dd').textContent())?.trim());

async function logIn(token: string): Promise<void> {
  await page.getByLabel('Admin token (JWT)').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function confirm(name: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** The page's DOM, for callbacks that run in the browser (this package is typed for Node). */
type Control = { labels?: { length: number } | null; outerHTML: string; getAttribute(name: string): string | null };
type PageDocument = {
  querySelectorAll(selector: string): Iterable<Control>;
  activeElement: { id: string; tagName: string; textContent: string | null } | null;
};

/** Every form control on the page has an accessible name from a label or aria-label. */
async function unlabelled(): Promise<string[]> {
  return page.evaluate(() =>
    [...(globalThis as unknown as { document: PageDocument }).document.querySelectorAll('input, select, textarea')]
      .filter((el) => el.labels?.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.outerHTML),
  );
}

const active = () =>
  page.evaluate(() => {
    const el = (globalThis as unknown as { document: PageDocument }).document.activeElement;
    return { id: el?.id ?? '', tag: el?.tagName ?? '', text: el?.textContent ?? '' };
  });

describe('the operations console in headless Chromium', () => {
  it('is served with the CSP and refuses a user token with a clear message', async () => {
    const res = await page.goto(`${gateway.url}/admin/console/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toBe(CONSOLE_CSP);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();

    // Keyboard: the token field, the remember box and the button are reached by Tab in that order.
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    expect((await active()).id).toBe('token');
    await page.keyboard.press('Tab');
    expect((await active()).tag).toBe('INPUT');
    await page.keyboard.press('Tab');
    expect(await active()).toMatchObject({ tag: 'BUTTON', text: 'Log in' });
    expect(await unlabelled()).toEqual([]);

    await logIn(signToken({ sub: 'trader-7', role: 'user' }));
    const error = page.getByTestId('login-error');
    await expect.poll(() => error.isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await error.textContent()).toMatch(/not an admin token/);
    await shot('01-user-token-refused');
  });

  it('logs in with an admin token and shows live numbers change as clients connect', async () => {
    await page.getByLabel('Admin token (JWT)').fill('');
    await logIn(signToken({ sub: 'ops', role: 'admin' }));
    const status = page.getByRole('status');
    expect(await status.getAttribute('aria-live')).toBe('polite');
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toMatch(/Logged in|Connected/);
    // Not asked to remember: the token is in memory only.
    expect(
      await page.evaluate(() => {
        const g = globalThis as unknown as { sessionStorage: { length: number }; localStorage: { length: number } };
        const d = (globalThis as unknown as { document: { cookie: string } }).document;
        return [g.sessionStorage.length, g.localStorage.length, d.cookie];
      }),
    ).toEqual([0, 0, '']);
    // The console's own /admin connection.
    await expect.poll(() => tileValue('nodes'), { timeout: 15_000 }).toBe(1);
    const before = await tileValue('connections');
    for (let i = 0; i < 3; i++) clients.push(await connect(gateway.url, '/prices'));
    await expect.poll(() => tileValue('connections'), { timeout: 15_000 }).toBe(before + 3);
    await page.getByRole('figure').first().waitFor();
    expect(await page.getByRole('figure').count()).toBe(9);
    // Four connections are above WS_ALERT_CONNECTIONS=3: admin.stats says so.
    await expect
      .poll(() => page.getByTestId('alerts-firing').textContent(), { timeout: 15_000 })
      .toBe('1 alert firing');
    await shot('02-overview');
  });

  it('reaches every view by keyboard, with labels on every control', async () => {
    for (const view of ['Nodes', 'Connections', 'Subscriptions', 'Broadcast & maintenance', 'Alerts', 'Overview']) {
      const tab = page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: view, exact: false });
      await tab.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => tab.getAttribute('aria-current')).toBe('page');
      expect(await unlabelled(), view).toEqual([]);
    }
    await page.getByRole('button', { name: 'Nodes' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'gw-console-test' }).count(), { timeout: 15_000 }).toBe(1);
    await shot('03-nodes');
  });

  it('kicks a connection after confirmation and it is gone', async () => {
    const victim = clients[0]!;
    const gone = new Promise((resolve) => victim.once('disconnect', resolve));
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Connections' }).click();
    const row = page.locator(`tr[data-socket-id="${victim.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await page.getByLabel('Namespace').selectOption('/prices');
    await expect
      .poll(() => page.getByTestId('connections-count').textContent(), { timeout: 15_000 })
      .toMatch(/^3 shown/);
    await shot('04-connections');
    await row.getByRole('button', { name: `Kick socket ${victim.id}` }).click();
    await confirm('Disconnect');
    await gone;
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/Disconnected 1 connection/);
    await expect
      .poll(() => page.getByTestId('connections-count').textContent(), { timeout: 15_000 })
      .toMatch(/^2 shown/);
  });

  it('shows the alert that fired and the one that cleared it', async () => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Alerts' }).click();
    const history = page.getByRole('table', { name: 'History (newest first)' });
    await expect
      .poll(() => history.getByRole('row').allTextContents(), { timeout: 15_000 })
      .toEqual([
        expect.stringContaining('Time (UTC)'),
        expect.stringMatching(/info.*gw-console-test.*connection count 3 is back below the threshold 3/),
        expect.stringMatching(/warning.*gw-console-test.*connection count 4 is above the threshold 3/),
      ]);
    const active = page.getByRole('table', { name: 'Active' });
    expect(await active.getByRole('row').allTextContents()).toEqual([expect.stringContaining('Time'), 'none']);
    expect(await page.getByTestId('alerts-firing').count()).toBe(0);
    await shot('06-alerts');
  });

  it('kicks every connection of a user, on every namespace, after confirmation', async () => {
    const token = signToken({ sub: 'trader-9', role: 'user' });
    const mine = [await connect(gateway.url, '/user', token), await connect(gateway.url, '/prices', token)];
    const gone = Promise.all(mine.map((s) => new Promise((resolve) => s.once('disconnect', resolve))));
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Connections' }).click();
    await page.getByLabel('Namespace').selectOption('');
    await page.getByLabel('User', { exact: true }).fill('trader-9');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect
      .poll(() => page.getByTestId('connections-count').textContent(), { timeout: 15_000 })
      .toMatch(/^2 shown/);
    await page.getByRole('button', { name: 'Kick every connection of user trader-9' }).first().click();
    await confirm('Disconnect');
    await gone;
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toMatch(/Disconnected 2 connections of user trader-9/);
    await expect
      .poll(() => page.getByTestId('connections-count').textContent(), { timeout: 15_000 })
      .toMatch(/^0 shown/);
    await page.getByLabel('User', { exact: true }).fill('');
  });

  it('turns maintenance on with a message, and a new client is refused MAINTENANCE; then off again', async () => {
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('button', { name: 'Broadcast & maintenance' })
      .click();
    await page.getByLabel('Message for clients').fill('upgrading the matching engine');
    await page.getByRole('button', { name: 'Turn maintenance on' }).click();
    await confirm('Turn maintenance on');
    await expect
      .poll(() => page.getByTestId('maintenance-state').textContent(), { timeout: 15_000 })
      .toMatch(/On: upgrading the matching engine/);
    const refusal = await connect(gateway.url, '/prices').then(
      (s) => {
        clients.push(s);
        return 'connected';
      },
      (err: Error & { data?: { code?: string } }) => err.data?.code,
    );
    expect(refusal).toBe('MAINTENANCE');
    await shot('05-maintenance-on');
    await page.getByRole('button', { name: 'Turn maintenance off' }).click();
    await confirm('Turn it off');
    await expect.poll(() => page.getByTestId('maintenance-state').textContent(), { timeout: 15_000 }).toMatch(/^Off/);
    clients.push(await connect(gateway.url, '/prices'));
  });

  it('keeps the token in the tab only when asked, across a reload, and forgets it on log out', async () => {
    const stored = () =>
      page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByLabel('Keep me logged in in this tab (sessionStorage)').check();
    await logIn(signToken({ sub: 'ops', role: 'admin' }));
    await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 15_000 });
    expect(await stored()).toBe(1);
    await page.reload();
    await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(await stored()).toBe(0);
  });

  it('goes back to the login form, saying why, when the gateway refuses the token on reconnect', async () => {
    await logIn(signToken({ sub: 'ops', role: 'admin' }));
    await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 15_000 });
    // The same address, another secret: the console's reconnect is refused UNAUTHORIZED.
    const port = new URL(gateway.url).port;
    await gateway.stop();
    gateway = await startGateway(
      { WS_PORT: port, WS_JWT_SECRET: 'another-secret-0123456789abcdef0123456789abcdef', WS_CORS_ORIGIN: '*' },
      { consoleDir: out },
    );
    const error = page.getByTestId('login-error');
    await error.waitFor({ timeout: 20_000 });
    expect(await error.textContent()).toMatch(/The gateway ended the session \(UNAUTHORIZED: .+\)\. Log in again\./);
    await shot('07-session-ended');
  });

  it("names WS_CORS_ORIGIN when the gateway refuses the page's origin", async () => {
    const port = new URL(gateway.url).port;
    await gateway.stop();
    gateway = await startGateway({ WS_PORT: port, WS_CORS_ORIGIN: 'https://ops.example.com' }, { consoleDir: out });
    const before = problems.length;
    await page.getByLabel('Admin token (JWT)').fill('');
    await logIn(signToken({ sub: 'ops', role: 'admin' }));
    const error = page.getByTestId('login-error');
    await expect
      .poll(() => error.textContent(), { timeout: 30_000 })
      .toContain(`does its WS_CORS_ORIGIN allow this page's origin (${gateway.url})?`);
    // The refused upgrades are what Chromium logs; nothing else may have been.
    const added = problems.splice(before);
    expect(added.filter((p) => !/WebSocket connection to .* failed/.test(p))).toEqual([]);
  });

  it('logged no page error, console error or CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
