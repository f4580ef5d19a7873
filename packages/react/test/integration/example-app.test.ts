// @vitest-environment node
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// The gateway as `pnpm start` runs it (from source, demo market on), in its own process.
import { freePort, TEST_SECRET } from '@ws/test-support';
import { type GatewayProcess, startGatewayProcess } from '@ws/test-support/gateway';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
/**
 * How long a first sight may take: Vite transforms and pre-bundles the app on its first load, which on a
 * busy 2-core machine takes tens of seconds. A bound on waiting for events, not a timing assertion.
 */
const LOAD_MS = 120_000;
const exampleDir = fileURLToPath(new URL('../../../../examples/react-app/', import.meta.url));
/** Where the screenshot is saved (gitignored): open it to see what the test saw. */
export const SCREENSHOT = fileURLToPath(new URL('../../../../test-artifacts/react-example.png', import.meta.url));

let gateway: GatewayProcess;
let vite: ChildProcess;
let pageUrl: string;
let browser: Browser;

/** Starts the example's Vite dev server (its own `vite` binary, as `pnpm dev` does) and resolves with its URL. */
function startVite(env: NodeJS.ProcessEnv): Promise<string> {
  vite = spawn(
    process.execPath,
    ['node_modules/vite/bin/vite.js', '--port', '0', '--host', '127.0.0.1', '--strictPort'],
    {
      cwd: exampleDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: Vite colours its banner.
      const match = /Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
      if (match?.[1]) resolve(match[1]);
    };
    vite.stdout?.on('data', onData);
    vite.stderr?.on('data', onData);
    vite.once('exit', (code) => reject(new Error(`vite exited with ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  // As `pnpm start` runs it: the gateway's allowed origin is its own (so its port is known before it starts), and
  // the example's proxy presents that one.
  const port = await freePort();
  gateway = await startGatewayProcess({
    WS_PORT: String(port),
    WS_CORS_ORIGIN: `http://127.0.0.1:${port}`,
    WS_JWT_SECRET: TEST_SECRET,
    WS_DEMO_FEED_INTERVAL_MS: '100',
    WS_DEMO_SNAPSHOT_INTERVAL_MS: '5000',
  });
  pageUrl = await startVite({ ...process.env, WS_GATEWAY_URL: gateway.url, WS_JWT_SECRET: TEST_SECRET });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, LOAD_MS);

afterAll(async () => {
  await browser?.close();
  vite?.kill('SIGTERM');
  await gateway?.kill();
});

describe('the React example app in Chromium, against the gateway with its demo market', () => {
  it(
    'shows live prices, a verified live book and the user’s orders, and they change',
    async () => {
      const tab = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const errors: string[] = [];
      tab.on('pageerror', (e) => errors.push(String(e)));
      await tab.goto(`${pageUrl}?user=example-user`, { timeout: LOAD_MS });
      const text = async (testId: string) => (await tab.getByTestId(testId).textContent()) ?? '';

      await expect.poll(() => text('state'), { timeout: LOAD_MS }).toBe('connected');
      // Prices arrive and move.
      await expect.poll(() => text('price-BTC/USDT'), { timeout: LOAD_MS }).toMatch(/^\d/);
      const first = await text('price-BTC/USDT');
      await expect.poll(() => text('price-BTC/USDT'), { timeout: LOAD_MS }).not.toBe(first);
      // The book is verified (seq shown only while synced) and its seq advances with every applied delta.
      await expect.poll(() => text('book-seq'), { timeout: LOAD_MS }).toMatch(/^seq \d+$/);
      const seq = await text('book-seq');
      await expect.poll(() => text('book-seq'), { timeout: LOAD_MS }).not.toBe(seq);
      await expect
        .poll(async () => (await tab.getByTestId('book-bids').locator('tr').count()) > 0, { timeout: LOAD_MS })
        .toBe(true);
      // The demo market trades for every connected user: this user's orders appear.
      await expect
        .poll(async () => tab.getByTestId('orders').locator('tr').count(), { timeout: LOAD_MS })
        .toBeGreaterThan(0);

      mkdirSync(fileURLToPath(new URL('.', `file://${SCREENSHOT}`)), { recursive: true });
      await tab.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(errors).toEqual([]);
      await tab.close();
    },
    4 * LOAD_MS,
  );
});
