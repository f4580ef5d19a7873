/**
 * `pnpm lint` step: fails when a file imports another workspace package's files by a relative path or names its
 * `src/`/`test/` (tRPC's lint forbids `@trpc/*\/src` for the same reason). Biome's noRestrictedImports matches
 * specifier text, which cannot tell `../../src/x.js` inside a package from the same path into another one.
 */
import { fileURLToPath } from 'node:url';
import { findCrossPackageImports } from './workspace-imports.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const found = findCrossPackageImports(root);
for (const { file, specifier, reason } of found) console.error(`${file}: '${specifier}' ${reason}`);
if (found.length > 0) {
  console.error(`\n${found.length} cross-package import(s); see README.md#tests`);
  process.exit(1);
}
