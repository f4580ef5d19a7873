import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { closeAll, connect, nextEvent, request, signToken, TEST_SECRET } from '@ws/test-support';
import { type GatewayProcess, startGatewayProcess } from '@ws/test-support/gateway';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildGateway, removeGatewayBuild } from './helpers/gateway-build.js';

afterAll(removeGatewayBuild);

/** Every module specifier the bundle's files import or require, outside the bundle itself. */
function importedModules(dir: string): Set<string> {
  const specifiers = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(`${dir}/${file}`, 'utf8');
    const patterns = [
      /\bfrom\s*["']([^"']+)["']/g,
      /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
      /\brequire\(\s*["']([^"']+)["']\s*\)/g,
    ];
    for (const pattern of patterns) {
      for (const m of code.matchAll(pattern)) {
        const specifier = m[1] ?? '';
        if (/^(@[\w.-]+\/)?[\w-][\w./:-]*$/.test(specifier) && !specifier.startsWith('./')) specifiers.add(specifier);
      }
    }
  }
  return specifiers;
}

describe('the production build (pnpm build, pnpm start:prod)', () => {
  it('is one bundle that needs only Node, no TypeScript at run time and no node_modules but @ws/console', async () => {
    const dir = await buildGateway();
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const outside = [...importedModules(dir)].filter((s) => !builtins.has(s));
    // bufferutil and utf-8-validate are optional speed-ups `ws` requires inside a try.
    expect(outside.filter((s) => !['bufferutil', 'utf-8-validate'].includes(s))).toEqual(['@ws/console']);
    expect(readFileSync(`${dir}/main.js`, 'utf8')).not.toMatch(/\btsx\b/);
  });

  it('bundles one socket.io-parser, its build without debug() calls (every packet goes through it)', async () => {
    const dir = await buildGateway();
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.js.map'))
      .flatMap((f) => (JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as { sources: string[] }).sources);
    const parser = sources.filter((s) => s.includes('/socket.io-parser/')).map((s) => s.replace(/^.*\/build\//, ''));
    expect(parser.sort()).toEqual(['esm/binary.js', 'esm/index.js', 'esm/is-binary.js']);
  });

  let gateway: GatewayProcess | undefined;
  afterAll(async () => {
    await gateway?.kill();
  });

  it('serves sockets, the publish API and metrics from `node dist/main.js`, and drains on SIGTERM', async () => {
    const dir = await buildGateway();
    gateway = await startGatewayProcess(
      { NODE_ENV: 'production', WS_JWT_SECRET: TEST_SECRET, WS_CORS_ORIGIN: 'http://localhost:3000' },
      25_000,
      { kind: 'built', dir },
    );
    expect(gateway.proc.spawnargs.join(' ')).toMatch(/node\S* \S+\/main\.js$/);
    const prices = await connect(gateway.url, '/prices');
    expect(await request(prices, 'subscribe', { symbols: ['BTC/USDT'] })).toMatchObject({ ok: true });
    const update = nextEvent<{ symbol: string; price: string }>(prices, 'price.update');
    const token = signToken({ userId: 'svc', role: 'service' });
    const res = await fetch(`${gateway.url}/api/v1/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        event: 'price.update',
        data: { symbol: 'BTC/USDT', price: 50000.5, bid: 50000, ask: 50001, volume: 1 },
      }),
    });
    expect(res.status).toBe(202);
    expect(await update).toMatchObject({ symbol: 'BTC/USDT', price: '50000.5' });
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^ws_connections\{/m);
    const disconnected = new Promise<string>((resolve) => prices.once('disconnect', resolve));
    expect(await gateway.stop('SIGTERM')).toBe(0);
    expect(await disconnected).toBe('io server disconnect');
    expect(gateway.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['draining', 'stopped']));
    closeAll([prices]);
    await vi.waitFor(() => expect(gateway?.proc.exitCode).toBe(0));
  });
});
