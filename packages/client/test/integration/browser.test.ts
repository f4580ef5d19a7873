import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './gateway.js';

const CHROMIUM = '/usr/bin/chromium';

let gw: Gateway;
let page: Server;
let browser: Browser;
let pageUrl: string;

beforeAll(async () => {
  gw = await startGateway({ corsOrigins: '*' });
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/browser-entry.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@ws/source'],
    write: false,
    logLevel: 'error',
  });
  const js = bundle.outputFiles[0]!.contents;
  const html = '<!doctype html><meta charset="utf-8"><title>sdk</title><script type="module" src="/sdk.js"></script>';
  page = createServer((req, res) => {
    if (req.url?.startsWith('/sdk.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    }
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  if (page?.listening) await new Promise<void>((resolve) => page.close(() => resolve()));
  await gw?.close();
});

type Probe = { prices: string[]; states: string[]; errors: string[]; subscribed: boolean };

describe('TradingClient in headless Chromium', () => {
  it('bundles without Node built-ins, connects, receives prices, reconnects after a server restart', async () => {
    const tab = await browser.newPage();
    const logs: string[] = [];
    tab.on('pageerror', (e) => logs.push(String(e)));
    await tab.goto(`${pageUrl}?ws=${encodeURIComponent(gw.url)}`);
    const probe = () => tab.evaluate(() => (globalThis as unknown as { probe: Probe }).probe);
    await expect.poll(async () => (await probe()).subscribed, { timeout: 15_000 }).toBe(true);

    // Publish until the page has seen a price (the first may race the subscription).
    let n = 100;
    await expect
      .poll(
        async () => {
          await gw.server.broadcastPriceUpdate('BTC/USDT', { price: n++, bid: 1, ask: 2, volume: 1 });
          return (await probe()).prices.length;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBeGreaterThan(0);

    await gw.restart();
    await expect
      .poll(
        async () => {
          await gw.server.broadcastPriceUpdate('BTC/USDT', { price: 5000, bid: 1, ask: 2, volume: 1 });
          return (await probe()).prices.includes('5000');
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(true);
    const seen = await probe();
    expect(seen.states).toContain('connected>reconnecting');
    expect(seen.states).toContain('reconnecting>connected');
    expect(logs).toEqual([]);
    await tab.evaluate(() => (globalThis as unknown as { client: { close(): void } }).client.close());
    expect((await probe()).states.at(-1)).toBe('connected>closed');
    await tab.close();
  });
});
