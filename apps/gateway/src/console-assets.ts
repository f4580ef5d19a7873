import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Where the console is served. */
export const CONSOLE_PATH = '/admin/console';

/**
 * Same origin only, no inline script or style, nothing from elsewhere: the console's bundle and
 * stylesheet come from this origin and it talks to nothing but this gateway's sockets.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Bundler output names carry a content hash (`index-B1x9_kQz.js`): such a file never changes. */
const HASHED = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.map', '.txt']);
const MAX_FILES = 1_000;

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
  cacheControl: string;
}

export type ConsoleAssetsState =
  | { state: 'ready'; files: number }
  | { state: 'missing'; reason: string }
  | { state: 'disabled' };

/** Serves the console's built files; `handle` answers a request under {@link CONSOLE_PATH} or returns false. */
export interface ConsoleAssets {
  readonly status: ConsoleAssetsState;
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * Reads every regular file under `dir` once, at start, into memory. Requests are looked up by exact
 * relative path in that table, so no request path (`..`, encoded separators, symlinks) can reach a
 * file that was not in the directory when it was read.
 */
function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (absolute: string, relative: string) => {
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      const path = join(absolute, entry.name);
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      // Symlinks are not followed: the console ships regular files only.
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path, rel);
      else if (stat.isFile()) {
        if (assets.size >= MAX_FILES) throw new Error(`more than ${MAX_FILES} files in ${dir}`);
        const body = readFileSync(path);
        const ext = extname(entry.name).toLowerCase();
        assets.set(rel, {
          body,
          gzip: COMPRESSIBLE.has(ext) && body.length > 256 ? gzipSync(body, { level: 9 }) : null,
          type: CONTENT_TYPES[ext] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
          cacheControl: HASHED.test(rel) ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
      }
    }
  };
  walk(dir, '');
  return assets;
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** The file a request path under the console names, or null when it cannot name one. */
function relativePath(pathname: string): string | null {
  if (pathname === CONSOLE_PATH || pathname === `${CONSOLE_PATH}/`) return 'index.html';
  let rel: string;
  try {
    rel = decodeURIComponent(pathname.slice(CONSOLE_PATH.length + 1));
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  if (rel.split('/').some((part) => part === '' || part === '.' || part === '..')) return null;
  return rel;
}

export interface ConsoleAssetsOptions {
  /** The console's build output (`index.html` and `assets/`). */
  dir: string;
  enabled: boolean;
}

export function createConsoleAssets(options: ConsoleAssetsOptions): ConsoleAssets {
  let assets = new Map<string, Asset>();
  let status: ConsoleAssetsState = { state: 'disabled' };
  if (options.enabled) {
    try {
      assets = readAssets(options.dir);
      status = assets.has('index.html')
        ? { state: 'ready', files: assets.size }
        : { state: 'missing', reason: `no index.html in ${options.dir}` };
    } catch (err) {
      status = { state: 'missing', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    if (pathname !== CONSOLE_PATH && !pathname.startsWith(`${CONSOLE_PATH}/`)) return false;
    if (status.state === 'disabled') return false;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      sendText(res, 405, 'use GET\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (status.state === 'missing') {
      sendText(res, 503, 'the admin console is not built: run `pnpm --filter @ws/console build`\n');
      return true;
    }
    const rel = relativePath(pathname);
    const asset = rel === null ? undefined : assets.get(rel);
    if (!asset) {
      sendText(res, 404, 'not found\n');
      return true;
    }
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      'content-type': asset.type,
      'cache-control': asset.cacheControl,
      etag: asset.etag,
      vary: 'accept-encoding',
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const gzip = asset.gzip !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip && asset.gzip ? asset.gzip : asset.body;
    if (gzip) headers['content-encoding'] = 'gzip';
    headers['content-length'] = String(body.length);
    res.writeHead(200, headers);
    res.end(method === 'HEAD' ? undefined : body);
    return true;
  }

  return {
    get status() {
      return status;
    },
    handle,
  };
}
