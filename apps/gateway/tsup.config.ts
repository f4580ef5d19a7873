import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';

/**
 * The production build: `dist/main.js`, one ESM program with the workspace packages (from source) and every
 * npm dependency inlined, so the image needs no node_modules and nothing is compiled at run time.
 * `@ws/console` stays outside: it locates its static files next to its own package.
 */
const outside = ['@ws/console', 'bufferutil', 'utf-8-validate'];
/**
 * One socket.io-parser, its build without `debug()` calls (what it gives browsers), for both Socket.IO's
 * `require` (the `cjs` build, with them) and the server's `import` (on Node, the `esm-debug` build: a second
 * copy). Every packet the server encodes or decodes goes through it.
 */
const socketIoParser = createRequire(new URL('../../packages/server/package.json', import.meta.url))
  .resolve('socket.io-parser')
  .replace(/\/build\/cjs\/index\.js$/, '/build/esm/index.js');

export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  splitting: true,
  dts: false,
  // Whitespace and syntax only: identifiers stay as written, so class and function names (the Redis adapter
  // tells clients apart by `constructor.name`, errors log their class) need no `keepNames`, whose `__name()`
  // call around every function expression, closures in Socket.IO's and ws' hot paths included, cost CPU on
  // every connection and message.
  minifyWhitespace: true,
  minifySyntax: true,
  // Everything but `outside` is bundled (tsup would leave package.json dependencies external).
  noExternal: [new RegExp(`^(?!(${outside.map((m) => m.replace('/', '\\/')).join('|')})$)`)],
  external: outside,
  esbuildOptions(options) {
    options.conditions = ['@ws/source'];
    options.alias = { 'socket.io-parser': socketIoParser };
  },
  // Bundled CommonJS dependencies call require() for Node built-ins; an ES module has none of its own.
  banner: {
    js: "import { createRequire as __gatewayRequire } from 'node:module';\nconst require = __gatewayRequire(import.meta.url);",
  },
});
