import { packageBuild } from '../../tsup.config.base';

// One output file per source module (not one bundle), so an app's bundler can leave out whole modules:
// `@ws/protocol/runtime` never reaches TypeBox, and a code-splitting app loads the order-book state
// only with the order book. Declarations for the three entries (`.`, `./runtime` and `./internal`).
export default packageBuild({
  entry: ['src/**/*.ts'],
  bundle: false,
  dtsEntry: ['src/index.ts', 'src/runtime.ts', 'src/internal.ts'],
});
