import { defineConfig, type Options } from 'tsup';

/**
 * Every published package builds the same way: ESM with declarations, from src/index.ts. `dtsEntry`: the
 * entries that get declarations, when not every file of `entry` is one (unbundled builds).
 */
export function packageBuild({ dtsEntry, ...overrides }: Options & { dtsEntry?: string[] } = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: {
      ...(dtsEntry ? { entry: dtsEntry } : {}),
      compilerOptions: {
        // tsup sets `baseUrl` for the declaration build, which TypeScript 6 deprecates.
        ignoreDeprecations: '6.0',
        // The privacy convention: what is tagged `/** @internal */` is not in the published declarations.
        stripInternal: true,
      },
    },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    ...overrides,
  });
}
