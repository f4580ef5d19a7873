// The seed's Quick Start as a user runs it: the four packages packed into tarballs (what npm publishes),
// installed with npm into a fresh project, the server snippet (own express app, `http.createServer(app)`,
// `WebSocketServer.getInstance().initialize`, `websocketBroadcast.broadcastPriceUpdate('BTC/USDT', …)`) and the
// `TradingClient` snippet run verbatim but for the port.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@ws/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const PACKAGES = ['protocol', 'server', 'metrics', 'client'] as const;

const serverSnippet = (port: number) => `import express from 'express';
import http from 'node:http';
import { WebSocketServer, websocketBroadcast } from '@ws/server';

const app = express();
const httpServer = http.createServer(app);
const wsServer = WebSocketServer.getInstance();
await wsServer.initialize(httpServer);
httpServer.listen(${port});

await websocketBroadcast.broadcastPriceUpdate('BTC/USDT', {
  price: 50000,
  bid: 49999,
  ask: 50001,
  volume: 1234567,
  timestamp: Date.now(),
});
console.log('published');
`;

const clientSnippet = (port: number) => `import { TradingClient } from '@ws/client';

const client = new TradingClient({ url: 'http://localhost:${port}' }); // token optional
await client.subscribePrices(['BTC/USDT', 'ETH/USDT']);                   // rejects with a typed error
client.on('price:BTC/USDT', (p) => console.log('BTC', p.price));
`;

/** Runs a node script; resolves with its stdout once `until` matches it (the script may keep running). */
function runUntil(cwd: string, file: string, until: RegExp, children: ChildProcess[]): Promise<string> {
  const child = spawn(process.execPath, [file], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      if (until.test(out)) resolve(out);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    child.once('exit', (code) => reject(new Error(`${file} exited ${code} before ${until}:\n${out}\n${err}`)));
  });
}

describe('the seed’s Quick Start from the packed packages, installed with npm', { timeout: 600_000 }, () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ws-quick-start-'));
    const tarballs = join(dir, 'tarballs');
    mkdirSync(tarballs);
    for (const name of PACKAGES) {
      const pkg = join(repo, 'packages', name);
      // `pnpm test` builds first; a lone run of this file builds what is missing.
      if (!existsSync(join(pkg, 'dist', 'index.js'))) execFileSync('pnpm', ['build'], { cwd: pkg, stdio: 'pipe' });
      execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: pkg, stdio: 'pipe' });
    }
    const dependencies: Record<string, string> = {};
    for (const name of PACKAGES) {
      const file = readdirSync(tarballs).find((f) => f.startsWith(`ws-${name}-`));
      if (!file) throw new Error(`no tarball for @ws/${name}`);
      dependencies[`@ws/${name}`] = `file:../tarballs/${file}`;
    }
    dependencies.express = '^4.21.2';
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'quick-start', type: 'module', private: true, dependencies }),
    );
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: app,
      stdio: 'pipe',
      timeout: 400_000,
    });
    // Packing (and, run alone, building) plus an npm install take longer than a hook's default bound.
  }, 600_000);

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the server publishes BTC/USDT and the client receives it, with no configuration', async () => {
    const app = join(dir, 'app');
    const port = await freePort();
    writeFileSync(join(app, 'server.mjs'), serverSnippet(port));
    writeFileSync(join(app, 'client.mjs'), clientSnippet(port));
    await runUntil(app, 'server.mjs', /published/, children);
    const out = await runUntil(app, 'client.mjs', /BTC \S+/, children);
    expect(out).toMatch(/^BTC 50000$/m);
  });
});
