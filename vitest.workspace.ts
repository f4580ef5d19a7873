import { fileURLToPath } from 'node:url';
import type { TestProjectConfiguration } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Tests and typecheck read the packages' sources, never a build. */
const alias = [
  // Subpath entries (`@ws/protocol/runtime`, `@ws/server/internal`, `@ws/client/validate`) are src/<name>.ts.
  {
    find: /^@ws\/(protocol|server|client|react)\/([a-z-]+)$/,
    replacement: `${root}packages/$1/src/$2.ts`,
  },
  {
    find: /^@ws\/(protocol|server|metrics|client|react)$/,
    replacement: `${root}packages/$1/src/index.ts`,
  },
];

type Kind = 'unit' | 'integration';

function project(
  dir: string,
  kind: Kind,
  extra: { typecheck?: boolean; environment?: string } = {},
): TestProjectConfiguration {
  const name = dir.split('/').pop() ?? dir;
  return {
    resolve: { alias },
    test: {
      name: `${name}:${kind}`,
      root: `${root}${dir}`,
      include: [`test/${kind}/**/*.test.{ts,tsx}`],
      environment: extra.environment ?? 'node',
      testTimeout: kind === 'integration' ? 30_000 : 5_000,
      hookTimeout: 30_000,
      // Integration tests spawn servers and processes; keep them from starving each other on 2 cores.
      ...(kind === 'integration' ? { fileParallelism: false } : {}),
      ...(extra.typecheck
        ? {
            typecheck: {
              enabled: true,
              include: ['test/types/**/*.test-d.ts'],
              tsconfig: `${root}${dir}/tsconfig.json`,
            },
          }
        : {}),
    },
  };
}

export default [
  project('packages/protocol', 'unit', { typecheck: true }),
  project('packages/metrics', 'unit'),
  project('packages/server', 'unit'),
  project('packages/server', 'integration'),
  project('packages/client', 'unit', { typecheck: true }),
  project('packages/client', 'integration'),
  // Hooks rendered with Testing Library in a DOM (happy-dom), against a real gateway.
  project('packages/react', 'integration', { environment: 'happy-dom' }),
  project('apps/gateway', 'unit'),
  project('apps/gateway', 'integration'),
  project('apps/stress', 'integration'),
  project('apps/admin-cli', 'integration'),
  project('apps/console', 'unit'),
  project('apps/console', 'integration'),
  project('tooling/test-support', 'integration'),
  // The repository's own scripts (the workspace-import check of `pnpm lint`).
  project('scripts', 'unit'),
] satisfies TestProjectConfiguration[];
