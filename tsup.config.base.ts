import { defineConfig, type Options } from 'tsup';

/** Every published package builds the same way: ESM with declarations, from src/index.ts. */
export function packageBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    // tsup sets `baseUrl` for the declaration build, which TypeScript 6 deprecates.
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    ...overrides,
  });
}
