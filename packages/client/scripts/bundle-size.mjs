// Measures @ws/client the way an app's bundler sees it: packs @ws/protocol and @ws/client into
// tarballs (what npm publishes), unpacks them into a fresh node_modules, and bundles small apps with
// esbuild (minified, browser, ESM), then gzips. Used by `scripts/size.mjs` and by the budget test.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * min+gz budget of what a page loads first for `import { TradingClient } from '@ws/client'`, its
 * Socket.IO connection included (the order book is a separate chunk, loaded by the first `subscribeOrderBook`).
 */
export const BUDGET_BYTES = 20 * 1024;
/** min+gz budget of the same app bundled without code splitting (the order book inlined). */
export const WHOLE_BUDGET_BYTES = 20 * 1024;

const clientDir = fileURLToPath(new URL('..', import.meta.url));
const protocolDir = join(clientDir, '..', 'protocol');

/** The apps that are measured, each as the source of its entry module. */
export const APPS = {
  /** The budgeted one: everything `TradingClient` can do, order books included. */
  tradingClient: "export { TradingClient } from '@ws/client';",
  typicalApp: "export { TradingClient, isTradingClientError } from '@ws/client';",
  strict: "export { TradingClient } from '@ws/client'; export { protocolEventValidator } from '@ws/client/validate';",
  /** The opt-in long-polling fallback: socket.io-client's Manager as the `manager`. */
  polling: "export { TradingClient } from '@ws/client'; export { pollingManager } from '@ws/client/polling';",
  protocolRuntime: "export * from '@ws/protocol/runtime';",
  socketIoClient: "export { Manager } from 'socket.io-client';",
};

function pack(dir, into) {
  execFileSync('pnpm', ['pack', '--pack-destination', into], { cwd: dir, stdio: 'pipe' });
}

/** Unpacks the two packed packages into `<root>/node_modules/@ws/*`; returns the root. */
export function installPacked() {
  const root = mkdtempSync(join(tmpdir(), 'ws-client-size-'));
  const tarballs = join(root, 'tarballs');
  mkdirSync(tarballs);
  for (const [name, dir] of [
    ['protocol', protocolDir],
    ['client', clientDir],
  ]) {
    for (const f of ['dist/index.js']) {
      try {
        readFileSync(join(dir, f));
      } catch {
        throw new Error(`@ws/${name} is not built (${f} missing): run pnpm build first`);
      }
    }
    pack(dir, tarballs);
    const tarball = readdirSync(tarballs).find((f) => f.startsWith(`ws-${name}-`));
    const target = join(root, 'node_modules', '@ws', name);
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', join(tarballs, tarball), '-C', target, '--strip-components=1']);
  }
  return root;
}

/**
 * Bundles `contents` as an app inside `root` and returns what the page loads first: bytes minified,
 * gzipped (level 9, each chunk on its own as a server sends it), the input files in it, and the gzipped
 * size of the chunks loaded later by dynamic `import()` (only with `splitting`). The third-party dependencies (socket.io-client, typebox)
 * resolve from this workspace's installs, the versions the lockfile pins, as npm would install them.
 */
let apps = 0;

export async function bundle(root, contents, { splitting = false } = {}) {
  const name = `app-${++apps}`;
  writeFileSync(join(root, `${name}.js`), contents);
  const result = await build({
    entryPoints: [join(root, `${name}.js`)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    nodePaths: [join(clientDir, 'node_modules'), join(protocolDir, 'node_modules')],
    splitting,
    outdir: join(root, `out-${name}`),
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const outputs = new Map(
    Object.entries(result.metafile.outputs)
      .filter(([file]) => file.endsWith('.js'))
      .map(([file, meta]) => {
        const code = result.outputFiles.find((o) => o.path.endsWith(file.slice(file.lastIndexOf('/')))).contents;
        const imports = meta.imports.filter((i) => i.kind === 'import-statement' && !i.external).map((i) => i.path);
        return [file, { file, meta, bytes: code.length, gzip: gzipSync(code, { level: 9 }).length, imports }];
      }),
  );
  const app = [...outputs.values()].find((o) => o.meta.entryPoint?.endsWith(`${name}.js`));
  // What the page loads first: the app's chunk and every chunk it imports statically (dynamic imports load later).
  const initial = new Set();
  const visit = (file) => {
    if (initial.has(file)) return;
    initial.add(file);
    for (const next of outputs.get(file).imports) visit(next);
  };
  visit(app.file);
  const loaded = [...initial].map((f) => outputs.get(f));
  return {
    bytes: loaded.reduce((n, o) => n + o.bytes, 0),
    gzip: loaded.reduce((n, o) => n + o.gzip, 0),
    inputs: [...new Set(loaded.flatMap((o) => Object.keys(o.meta.inputs)))],
    lazy: [...outputs.values()].filter((o) => !initial.has(o.file)).reduce((n, o) => n + o.gzip, 0),
  };
}

/** Measures every app of `APPS` from freshly packed tarballs. */
export async function measureAll() {
  const root = installPacked();
  try {
    const sizes = {};
    for (const [name, contents] of Object.entries(APPS)) sizes[name] = await bundle(root, contents);
    const split = await bundle(root, APPS.tradingClient, { splitting: true });
    // Where the packed client keeps LiveOrderBook: the entry chunk of a code-splitting app must not include it.
    const dist = join(root, 'node_modules', '@ws', 'client', 'dist');
    const bookFiles = readdirSync(dist)
      .filter((f) => f.endsWith('.js') && readFileSync(join(dist, f), 'utf8').includes('class LiveOrderBook'))
      .map((f) => `node_modules/@ws/client/dist/${f}`);
    return { root, sizes, split, bookFiles };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
