import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const gatewayDir = new URL('../../../gateway/', import.meta.url).pathname;
let built: Promise<string> | undefined;

/**
 * The production bundle of the gateway (its `build` script, tsup), built once per process from the current
 * source into a directory of this process (not `dist/`, which may be stale or in use), inside apps/gateway so
 * `@ws/console` resolves as from `dist/`; removed when the process exits. Resolves with the entry's path;
 * rejects naming the build command when it fails.
 */
export function builtGatewayEntry(): Promise<string> {
  built ??= (async () => {
    const pkg = JSON.parse(readFileSync(`${gatewayDir}package.json`, 'utf8')) as { scripts: { build: string } };
    const [tool, ...args] = pkg.scripts.build.split(/\s+/);
    const dir = `${gatewayDir}node_modules/.cache/bench-gateway/${process.pid}`;
    rmSync(dir, { recursive: true, force: true });
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    try {
      await run(`${gatewayDir}node_modules/.bin/${tool}`, [...args, '--out-dir', dir, '--silent'], {
        cwd: gatewayDir,
      });
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new Error(`building the gateway (apps/gateway: ${pkg.scripts.build}) failed: ${detail}`);
    }
    return `${dir}/main.js`;
  })();
  return built;
}
