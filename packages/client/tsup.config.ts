import { packageBuild } from '../../tsup.config.base';

// One output file per source module, so an app's bundler drops what it does not use at module
// granularity: `validate` (the opt-in entry with the protocol's schemas) and the order book, which the
// client loads on first use with `import()` (a code-splitting bundler makes it a lazy chunk).
export default packageBuild({
  entry: ['src/**/*.ts'],
  bundle: false,
  dts: {
    entry: ['src/index.ts', 'src/validate.ts', 'src/order-book.ts'],
    compilerOptions: { ignoreDeprecations: '6.0' },
  },
});
