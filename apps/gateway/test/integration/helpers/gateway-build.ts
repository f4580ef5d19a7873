import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gatewayDir } from '@ws/test-support/gateway';

const run = promisify(execFile);
let built: Promise<string> | undefined;

/**
 * Runs the gateway's `build` script into a directory of this test process (not `dist/`, which a developer's
 * `pnpm start:prod` may be running from) and resolves with it. Inside apps/gateway, so `@ws/console` resolves
 * from it as from `dist/`.
 */
export function buildGateway(): Promise<string> {
  built ??= (async () => {
    const pkg = JSON.parse(readFileSync(`${gatewayDir}package.json`, 'utf8')) as { scripts: { build: string } };
    const [tool, ...args] = pkg.scripts.build.split(/\s+/);
    const dir = `${gatewayDir}node_modules/.cache/gateway-build-test/${process.pid}`;
    await rm(dir, { recursive: true, force: true });
    await run(`${gatewayDir}node_modules/.bin/${tool}`, [...args, '--out-dir', dir, '--silent'], { cwd: gatewayDir });
    return dir;
  })();
  return built;
}

/** Removes the build of this test process. */
export async function removeGatewayBuild(): Promise<void> {
  if (!built) return;
  const dir = await built.catch(() => null);
  built = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
}
