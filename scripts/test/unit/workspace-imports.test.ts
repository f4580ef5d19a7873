import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { findCrossPackageImports } from '../../workspace-imports.js';

let dir: string | undefined;

/** A throwaway workspace: `files` maps a path to its content; returns the root and the absolute file paths. */
function workspace(files: Record<string, string>): { root: string; paths: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'ws-imports-'));
  dir = root;
  const all: Record<string, string> = {
    'package.json': '{"name":"root"}',
    'pnpm-workspace.yaml': 'packages:\n  - packages/*\n  - tooling/*\n',
    'packages/a/package.json': '{"name":"@ws/a"}',
    'packages/b/package.json': '{"name":"@ws/b"}',
    'tooling/t/package.json': '{"name":"@ws/t"}',
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { root, paths: Object.keys(files).map((path) => join(root, path)) };
}

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('findCrossPackageImports', () => {
  it("refuses a relative import of another package's src/ or test/, static, dynamic or re-exported", () => {
    const { root, paths } = workspace({
      'packages/b/test/x.test.ts': [
        "import { a } from '../../a/src/index.js';",
        "export { h } from '../../../tooling/t/src/helper.js';",
        "const later = await import('../../a/test/helpers.js');",
      ].join('\n'),
      'scripts/gen.ts': "import { a } from '../packages/a/src/index.js';",
    });
    expect(findCrossPackageImports(root, paths)).toEqual([
      expect.objectContaining({ file: 'packages/b/test/x.test.ts', specifier: '../../a/src/index.js' }),
      expect.objectContaining({ file: 'packages/b/test/x.test.ts', specifier: '../../../tooling/t/src/helper.js' }),
      expect.objectContaining({ file: 'packages/b/test/x.test.ts', specifier: '../../a/test/helpers.js' }),
      expect.objectContaining({ file: 'scripts/gen.ts', specifier: '../packages/a/src/index.js' }),
    ]);
  });

  it("refuses naming a package's src/ or test/ by its name", () => {
    const { root, paths } = workspace({
      'packages/b/src/x.ts': "import { a } from '@ws/a/src/index.js';\nimport { t } from '@ws/t/test';",
    });
    expect(findCrossPackageImports(root, paths).map((f) => f.specifier)).toEqual(['@ws/a/src/index.js', '@ws/t/test']);
  });

  it("allows a package's own files, other packages by name and sub-path, the root's shared files, and a marked exception", () => {
    const { root, paths } = workspace({
      'packages/b/test/x.test.ts': [
        "import { b } from '../../src/index.js';",
        "import { a } from '@ws/a';",
        "import { r } from '@ws/a/runtime';",
        "import base from '../../../tsup.config.base';",
        "import { v } from 'vitest';",
        '// workspace-imports: allow (a bundler loads this one natively)',
        "import { t } from '../../../tooling/t/src/token.js';",
      ].join('\n'),
    });
    expect(findCrossPackageImports(root, paths)).toEqual([]);
  });

  it('finds none in this repository', () => {
    expect(findCrossPackageImports(fileURLToPath(new URL('../../..', import.meta.url)))).toEqual([]);
  });
});
