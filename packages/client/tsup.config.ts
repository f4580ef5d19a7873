import { packageBuild } from '../../tsup.config.base';

// One output file per source module, so an app's bundler drops what it does not use at module
// granularity: `validate` (the opt-in entry with the protocol's schemas) and the order book, which the
// client loads on first use with `import()` (a code-splitting bundler makes it a lazy chunk).
export default packageBuild({
  entry: ['src/**/*.ts'],
  bundle: false,
  // Members of the client's internal parts end in `_` (NamespaceHost callbacks, StreamRouter, …): they
  // are renamed to short names in dist, the same names in every file of this one build. Nothing public
  // ends in `_` (publint/attw and the bundle-size and browser tests run against dist).
  esbuildOptions(options) {
    options.mangleProps = /_$/;
  },
  dtsEntry: ['src/index.ts', 'src/validate.ts', 'src/order-book.ts', 'src/polling.ts'],
});
