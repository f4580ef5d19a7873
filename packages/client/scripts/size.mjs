// Bundles the SDK as a browser would get it (socket.io-client included), minified, and checks min+gz against the budget.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The budget stated in the README: SDK + socket.io-client + the protocol pieces it uses, minified and gzipped. */
const BUDGET_BYTES = 45 * 1024;

// What an app gets: the client and its error guard; tree-shaking drops the opt-in `protocolEventValidator`.
const bundle = (contents) =>
  build({
    stdin: { contents, resolveDir: new URL('..', import.meta.url).pathname, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@ws/source'],
    write: false,
    metafile: process.argv.includes('--analyze'),
    logLevel: 'error',
  });
const result = await bundle("export { TradingClient, isTradingClientError } from './src/index.ts';");
const strict = await bundle(
  "export { TradingClient, isTradingClientError, protocolEventValidator } from './src/index.ts';",
);
const code = result.outputFiles[0].contents;
const gz = gzipSync(code, { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`@ws/client browser bundle: ${kib(code.length)} minified, ${kib(gz)} min+gz (budget ${kib(BUDGET_BYTES)})`);
const strictGz = gzipSync(strict.outputFiles[0].contents, { level: 9 }).length;
console.log(`  with protocolEventValidator (opt-in, not budgeted): ${kib(strictGz)} min+gz`);
if (result.metafile) {
  const inputs = Object.entries(result.metafile.outputs)[0][1].inputs;
  for (const [file, { bytesInOutput }] of Object.entries(inputs)
    .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
    .slice(0, 25)) {
    console.log(`${String(bytesInOutput).padStart(8)}  ${file}`);
  }
}
if (gz > BUDGET_BYTES) {
  console.error(`over budget by ${kib(gz - BUDGET_BYTES)}`);
  process.exit(1);
}
