import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type {
  ChaosPublisherOptions,
  ChaosPublisherStats,
  PublisherCommand,
  PublisherReport,
} from './chaos-publisher.js';

const entry = fileURLToPath(new URL('./publisher-main.ts', import.meta.url));
/** `--import tsx` resolves from the working directory: the stress app's, which depends on tsx. */
const stressDir = fileURLToPath(new URL('../../', import.meta.url));

/** The run's side of the publisher process: commands over IPC, each answered by one report. */
export class PublisherProcess {
  private constructor(
    private readonly child: ChildProcess,
    private stderr: () => string,
  ) {}

  /** Forks the process (loading takes seconds on a busy machine: start it early); `begin` starts publishing. */
  static spawn(): PublisherProcess {
    const child = fork(entry, [], {
      cwd: stressDir,
      execArgv: ['--conditions=@ws/source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err = (err + chunk).slice(-4000);
    });
    return new PublisherProcess(child, () => err);
  }

  /** Publishes the book's first snapshot, then the continuous streams. */
  async begin(options: ChaosPublisherOptions): Promise<void> {
    await this.call({ type: 'start', options }, 'started', 120_000);
  }

  /** One request of `count` private events at once. */
  async burst(count: number): Promise<boolean> {
    const report = await this.call({ type: 'burst', count }, 'burst-sent', 60_000);
    return report.type === 'burst-sent' && report.accepted;
  }

  /** Publishes the markers of `phase` (retried until accepted). */
  async mark(phase: string): Promise<void> {
    await this.call({ type: 'mark', phase }, 'marked', 120_000);
  }

  async stop(): Promise<ChaosPublisherStats | undefined> {
    if (!this.child.connected) return undefined;
    const report = await this.call({ type: 'stop' }, 'stopped', 30_000).catch(() => undefined);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    return report?.type === 'stopped' ? report.stats : undefined;
  }

  private call(
    command: PublisherCommand,
    expect: PublisherReport['type'],
    timeoutMs: number,
  ): Promise<PublisherReport> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const onMessage = (report: PublisherReport) => {
        if (report.type !== expect) return;
        cleanup();
        resolve(report);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`publisher exited (${code}) during ${command.type}: ${this.stderr()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`publisher: no answer to ${command.type} in ${timeoutMs} ms: ${this.stderr()}`));
      }, timeoutMs);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(command);
    });
  }
}
