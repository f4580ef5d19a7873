import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type LoopbackNginxOptions, loopbackNginxConfig } from './nginx-config.js';

/** Debian's `nobody`: nginx is started as this user when the caller is root, so it runs unprivileged either way. */
const NOBODY = 65_534;

export interface NginxProcess {
  url: string;
  port: number;
  /** The generated config's path and text. */
  configPath: string;
  config: string;
  stop(): Promise<void>;
}

/** nginx on the PATH, else Debian's `/usr/sbin/nginx` (not on an unprivileged user's PATH). */
function nginxBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'nginx'))) return join(dir, 'nginx');
  }
  return '/usr/sbin/nginx';
}

async function waitListening(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited: ${log()}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nginx not serving /healthz within ${timeoutMs} ms: ${log()}`);
}

/**
 * Runs Debian's nginx in the foreground with the project's config derived for loopback
 * (`loopbackNginxConfig`), as an unprivileged user, and waits until `/healthz` answers through it (so the
 * gateways must be up).
 */
export async function startNginx(options: LoopbackNginxOptions, readyTimeoutMs = 30_000): Promise<NginxProcess> {
  mkdirSync(options.dir, { recursive: true });
  const { text } = loopbackNginxConfig(options);
  const configPath = join(options.dir, 'nginx.conf');
  writeFileSync(configPath, text);
  const root = process.getuid?.() === 0;
  if (root) chownSync(options.dir, NOBODY, NOBODY);
  const child = spawn(
    nginxBinary(),
    ['-p', options.dir, '-e', join(options.dir, 'error.log'), '-c', configPath, '-g', 'daemon off;'],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(root ? { uid: NOBODY, gid: NOBODY } : {}) },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit').catch(() => undefined);
  child.once('error', (err) => keep(Buffer.from(String(err))));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${options.listenPort}`;
  try {
    await waitListening(url, child, () => output, readyTimeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port: options.listenPort, configPath, config: text, stop };
}
