import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Single-quotes a word for the shell tmux runs the command with. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** A command running in a real pseudo-terminal: a detached tmux session on a private tmux server. */
export class TmuxPane {
  private constructor(
    private readonly socket: string,
    private readonly exitFile: string,
  ) {}

  /** Starts `argv` in `cwd` with `env` in a `width`×`height` pane; its exit code is written to `exitFile`. */
  static async start(options: {
    argv: readonly string[];
    cwd: string;
    env: Record<string, string>;
    exitFile: string;
    width?: number;
    height?: number;
  }): Promise<TmuxPane> {
    const socket = `admin-cli-test-${process.pid}-${Date.now()}`;
    const assignments = Object.entries(options.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
    const command = [
      `cd ${shellQuote(options.cwd)} &&`,
      'env',
      ...assignments,
      ...options.argv.map(shellQuote),
      `; echo $? > ${shellQuote(options.exitFile)}`,
    ].join(' ');
    await exec('tmux', [
      '-L',
      socket,
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-x',
      String(options.width ?? 120),
      '-y',
      String(options.height ?? 40),
      command,
    ]);
    return new TmuxPane(socket, options.exitFile);
  }

  /** The visible text of the pane. */
  async capture(): Promise<string> {
    try {
      const { stdout } = await exec('tmux', ['-L', this.socket, 'capture-pane', '-p']);
      return stdout;
    } catch {
      return '';
    }
  }

  async sendKeys(...keys: string[]): Promise<void> {
    await exec('tmux', ['-L', this.socket, 'send-keys', ...keys]);
  }

  /** The command's exit code once it has exited, else undefined. */
  exitCode(): number | undefined {
    if (!existsSync(this.exitFile)) return undefined;
    const text = readFileSync(this.exitFile, 'utf8').trim();
    return text === '' ? undefined : Number(text);
  }

  /** Kills the private tmux server and whatever still runs in it. */
  async kill(): Promise<void> {
    await exec('tmux', ['-L', this.socket, 'kill-server']).catch(() => undefined);
  }
}
