import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const gatewayDir = fileURLToPath(new URL('../../../gateway/', import.meta.url));

/** The gateway's own `start` script (`apps/gateway/package.json`), split into argv: exactly what `pnpm start` runs. */
export function gatewayStartCommand(): { command: string; args: string[] } {
  const pkg = JSON.parse(readFileSync(`${gatewayDir}package.json`, 'utf8')) as { scripts: { start: string } };
  const argv = pkg.scripts.start.trim().split(/\s+/);
  // The script execs node so signals reach it; here node is spawned directly.
  if (argv[0] === 'exec') argv.shift();
  const [command, ...args] = argv;
  if (command !== 'node') throw new Error(`unexpected gateway start script: ${pkg.scripts.start}`);
  return { command: process.execPath, args };
}

/** A `disconnected` line of the gateway's connection log. */
export interface DisconnectLine {
  nodeId: string;
  userId: string | null;
  namespace: string;
  reason: string;
  /** Epoch ms of the log line. */
  at: number;
}

export interface GatewayNodeOptions {
  nodeId: string;
  port: number;
  env: Record<string, string>;
}

/**
 * One gateway as its own OS process on a fixed loopback port (so a load balancer finds it again after a
 * SIGKILL and restart), with its JSON log read for disconnect reasons.
 */
export class GatewayNode {
  readonly disconnects: DisconnectLine[] = [];
  /** `/user` connections open on this node per user id, from the connection log. */
  private readonly userConnections = new Map<string, number>();
  private child: ChildProcess | undefined;
  private exited: Promise<unknown> = Promise.resolve();
  private output = '';
  starts = 0;

  constructor(readonly options: GatewayNodeOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process and resolves once `/readyz` answers 200 (Redis connected). */
  async start(readyTimeoutMs = 60_000): Promise<void> {
    const { command, args } = gatewayStartCommand();
    const base: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!/^(WS_|REDIS_|LOG_LEVEL$|NODE_ENV$|DEBUG$)/.test(key)) base[key] = value;
    }
    const child = spawn(command, args, {
      cwd: gatewayDir,
      env: {
        ...base,
        NODE_ENV: 'development',
        ...this.options.env,
        WS_NODE_ID: this.options.nodeId,
        WS_PORT: String(this.options.port),
        WS_HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts++;
    this.exited = once(child, 'exit').catch(() => undefined);
    let partial = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      let nl = partial.indexOf('\n');
      while (nl >= 0) {
        this.onLine(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
        nl = partial.indexOf('\n');
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.output = (this.output + chunk).slice(-4000);
    });
    const deadline = performance.now() + readyTimeoutMs;
    while (performance.now() < deadline) {
      if (!this.running) throw new Error(`${this.options.nodeId} exited before it was ready:\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        await res.body?.cancel();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.kill();
    throw new Error(`${this.options.nodeId} not ready within ${readyTimeoutMs} ms:\n${this.output}`);
  }

  /** SIGKILL, as the kernel's OOM killer or a lost host would end it. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
    // Its connections died with it, and it logged nothing about them.
    this.userConnections.clear();
  }

  /** SIGTERM (graceful close), SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** A number from this node's `/metrics` (first sample of `name`, labels ignored), or undefined. */
  async metric(name: string): Promise<number | undefined> {
    const res = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  /** Whether `userId` has a `/user` connection on this node now (as far as its log has said). */
  holds(userId: string): boolean {
    return (this.userConnections.get(userId) ?? 0) > 0;
  }

  private onLine(text: string): void {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.output = (this.output + text).slice(-4000);
      return;
    }
    const userId = typeof line.userId === 'string' && line.namespace === '/user' ? line.userId : null;
    if (line.msg === 'connected' && userId)
      this.userConnections.set(userId, (this.userConnections.get(userId) ?? 0) + 1);
    if (line.msg !== 'disconnected') return;
    if (userId) this.userConnections.set(userId, Math.max(0, (this.userConnections.get(userId) ?? 0) - 1));
    this.disconnects.push({
      nodeId: this.options.nodeId,
      userId: typeof line.userId === 'string' ? line.userId : null,
      namespace: String(line.namespace),
      reason: String(line.reason),
      at: typeof line.time === 'string' ? Date.parse(line.time) : Date.now(),
    });
  }
}
