import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { testConfig } from '@ws/test-support/gateway';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, createGateway, type Gateway } from '../../src/index.js';

const SECRET_TEXT = 'do-not-serve-this';
const INDEX =
  '<!doctype html><title>console</title><script type="module" src="/admin/console/assets/index-AbC123_x.js"></script>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

let root: string;
let dist: string;

beforeAll(() => {
  // root/secret.txt sits next to the console's directory, where a traversal would look for it.
  root = mkdtempSync(join(tmpdir(), 'console-assets-'));
  dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(root, 'secret.txt'), SECRET_TEXT);
  writeFileSync(join(dist, 'index.html'), INDEX);
  writeFileSync(join(dist, 'assets', 'index-AbC123_x.js'), SCRIPT);
  writeFileSync(join(dist, 'assets', 'index-Zz9_8yXw.css'), 'body{color:red}');
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dist, 'data.bin'), 'bytes');
  symlinkSync(join(root, 'secret.txt'), join(dist, 'link.txt'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = testConfig;

/** A raw request: the path goes on the wire exactly as given (fetch would normalise `..`). */
function get(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: options.method ?? 'GET', headers: options.headers ?? {} });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the operations console under /admin/console', () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  async function start(env: Record<string, string> = {}, consoleDir = dist): Promise<string> {
    gateway = createGateway(config(env), { consoleDir });
    await gateway.start();
    return gateway.url;
  }

  it('serves index.html with the CSP, revalidation and an ETag, and answers 304 to a matching If-None-Match', async () => {
    const url = await start();
    for (const path of ['/admin/console', '/admin/console/', '/admin/console/index.html', '/admin/console/?x=1']) {
      const res = await get(url, path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body.toString()).toBe(INDEX);
    }
    const first = await get(url, '/admin/console/');
    const etag = String(first.headers['etag']);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await get(url, '/admin/console/', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('serves hashed assets as immutable with their content types, gzipped when asked', async () => {
    const url = await start();
    const js = await get(url, '/admin/console/assets/index-AbC123_x.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body.toString()).toBe(SCRIPT);
    const gz = await get(url, '/admin/console/assets/index-AbC123_x.js', {
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT);
    expect(gz.body.length).toBeLessThan(SCRIPT.length);
    const css = await get(url, '/admin/console/assets/index-Zz9_8yXw.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const svg = await get(url, '/admin/console/favicon.svg');
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.headers['cache-control']).toBe('no-cache');
    const bin = await get(url, '/admin/console/data.bin');
    expect(bin.headers['content-type']).toBe('application/octet-stream');
    const head = await get(url, '/admin/console/assets/index-AbC123_x.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(SCRIPT.length));
    expect(head.body.length).toBe(0);
    const post = await get(url, '/admin/console/', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
  });

  it('never serves a file outside its directory, whatever the path says', async () => {
    const url = await start();
    const attacks = [
      '/admin/console/../secret.txt',
      '/admin/console/assets/../../secret.txt',
      '/admin/console/%2e%2e/secret.txt',
      '/admin/console/%2E%2E%2Fsecret.txt',
      '/admin/console/assets%2f..%2f..%2fsecret.txt',
      '/admin/console/..%5csecret.txt',
      '/admin/console/..\\secret.txt',
      '/admin/console/%252e%252e%252fsecret.txt',
      '/admin/console//secret.txt',
      `/admin/console/${encodeURIComponent(join(root, 'secret.txt'))}`,
      '/admin/console/index.html%00.js',
      '/admin/console/%E0%A4%A',
      '/admin/console/link.txt',
      '/admin/console/./index.html',
      '/admin/consolesecret.txt',
    ];
    for (const path of attacks) {
      const res = await get(url, path);
      expect(res.status, path).toBe(404);
      expect(res.body.toString(), path).not.toContain(SECRET_TEXT);
    }
    expect((await get(url, '/admin/console/missing.js')).status).toBe(404);
  });

  it('is off in production unless WS_ADMIN_CONSOLE=1, and can be turned off elsewhere', async () => {
    let url = await start({ NODE_ENV: 'production' });
    expect((await get(url, '/admin/console/')).status).toBe(404);
    await gateway?.stop();
    url = await start({ NODE_ENV: 'production', WS_ADMIN_CONSOLE: '1' });
    expect((await get(url, '/admin/console/')).status).toBe(200);
    await gateway?.stop();
    url = await start({ WS_ADMIN_CONSOLE: '0' });
    expect((await get(url, '/admin/console/')).status).toBe(404);
  });

  it('says how to build the console when its files are missing', async () => {
    const url = await start({}, join(root, 'not-built'));
    const res = await get(url, '/admin/console/');
    expect(res.status).toBe(503);
    expect(res.body.toString()).toContain('pnpm --filter @ws/console build');
    expect((await get(url, '/healthz')).status).toBe(200);
  });
});

describe('WS_ADMIN_CONSOLE', () => {
  it('defaults to on outside production and off in production, and refuses a bad value by name', () => {
    expect(config().adminConsole).toBe(true);
    expect(config({ NODE_ENV: 'production' }).adminConsole).toBe(false);
    expect(config({ NODE_ENV: 'production', WS_ADMIN_CONSOLE: 'on' }).adminConsole).toBe(true);
    expect(() => config({ WS_ADMIN_CONSOLE: 'maybe' })).toThrow(/WS_ADMIN_CONSOLE: must be 1\/0/);
  });
});
