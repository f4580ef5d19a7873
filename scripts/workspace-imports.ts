import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';

/** One import that reaches into another workspace package's files instead of importing the package by name. */
export interface CrossPackageImport {
  /** Path of the importing file, relative to the repository root. */
  file: string;
  specifier: string;
  /** Why it is refused and what to write instead. */
  reason: string;
}

interface WorkspacePackage {
  dir: string;
  name: string;
}

const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

/** The workspace's packages (the root included): each directory `pnpm-workspace.yaml` matches that has a package.json. */
function workspacePackages(root: string): WorkspacePackage[] {
  const config = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) as { packages?: string[] };
  const dirs = [root];
  for (const pattern of config.packages ?? []) {
    if (pattern.startsWith('!')) continue;
    if (!pattern.endsWith('/*')) {
      dirs.push(resolve(root, pattern));
      continue;
    }
    const parent = resolve(root, pattern.slice(0, -2));
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent, { withFileTypes: true }))
      if (entry.isDirectory()) dirs.push(join(parent, entry.name));
  }
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => {
      const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      return { dir, name: name ?? relative(root, dir) };
    });
}

/** The package a path belongs to: the deepest package directory that contains it. */
function ownerOf(path: string, packages: readonly WorkspacePackage[]): WorkspacePackage {
  let owner: WorkspacePackage | undefined;
  for (const pkg of packages) {
    const inside = path === pkg.dir || path.startsWith(pkg.dir + sep);
    if (inside && (owner === undefined || pkg.dir.length > owner.dir.length)) owner = pkg;
  }
  if (owner === undefined) throw new Error(`${path} is outside the workspace`);
  return owner;
}

/** An exception, with its reason, on the line before the import: `// workspace-imports: allow (why)`. */
function allowed(text: string, pos: number): boolean {
  const lineStart = text.lastIndexOf('\n', pos) + 1;
  const before = text.slice(0, Math.max(0, lineStart - 1));
  const previous = before.slice(before.lastIndexOf('\n') + 1);
  return /^\s*\/\/ workspace-imports: allow \(.+\)/.test(previous);
}

/** Every source file git knows of (tracked, or new and not ignored). */
function sourceFiles(root: string): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .split('\0')
    .filter((file) => SOURCE.test(file) && existsSync(join(root, file)))
    .map((file) => join(root, file));
}

/**
 * The imports under `root` (static, dynamic, `export … from`, `require`) that reach into another workspace package
 * by a relative path (`../../packages/server/src/…`), or name a package's `src/` or `test/` (`@ws/server/src/…`).
 * Relative imports of the root's own files (shared configuration, scripts) are allowed.
 * A package is used through its name and its `exports`: the source condition already points those at `src/`.
 */
export function findCrossPackageImports(root: string, files = sourceFiles(root)): CrossPackageImport[] {
  const absoluteRoot = resolve(root);
  const packages = workspacePackages(absoluteRoot);
  const found: CrossPackageImport[] = [];
  for (const file of files) {
    const owner = ownerOf(file, packages);
    const text = readFileSync(file, 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    for (const { fileName: specifier, pos } of importedFiles) {
      if (allowed(text, pos)) continue;
      const at = relative(absoluteRoot, file);
      if (specifier.startsWith('.')) {
        const target = ownerOf(resolve(dirname(file), specifier), packages);
        // The root holds shared configuration (tsup.config.base.ts) and scripts, not a package's files.
        if (target !== owner && target.dir !== absoluteRoot) {
          found.push({
            file: at,
            specifier,
            reason: `reaches into ${target.name} by a relative path: depend on ${target.name} and import it by name`,
          });
        }
      } else if (/^@ws\/[^/]+\/(?:src|test)(?:\/|$)/.test(specifier)) {
        found.push({
          file: at,
          specifier,
          reason: "names a package's src/ or test/: import the package's entry or one of its exported sub-paths",
        });
      }
    }
  }
  return found;
}
