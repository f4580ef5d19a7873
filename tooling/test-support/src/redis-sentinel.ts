import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stopProcess, waitForOutput } from './child-process.js';
import { freePort } from './free-port.js';

/** A Redis Sentinel a test spawned. */
export interface RedisSentinel extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** Kills the Sentinel. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Spawns a Redis Sentinel on a free port that monitors the master on `masterPort` (quorum 1) under `name`, with
 * `config` lines added to its configuration file in `dir`; resolves once it monitors the master.
 */
export async function startSentinel(
  dir: string,
  name: string,
  masterPort: number,
  config: readonly string[] = [],
): Promise<RedisSentinel> {
  const port = await freePort();
  const file = join(dir, `sentinel-${port}.conf`);
  await writeFile(
    file,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      ...config,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [file, '--sentinel'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const stop = () => stopProcess(child, 'SIGKILL');
  try {
    await waitForOutput(child, '+monitor master', `sentinel on port ${port}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, url: `redis://127.0.0.1:${port}`, stop, [Symbol.asyncDispose]: stop };
}
