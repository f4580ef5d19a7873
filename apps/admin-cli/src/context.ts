import type { Command } from 'commander';
import { AdminSession } from './admin-session.js';
import { parseDuration } from './duration.js';
import { Output } from './output.js';

/** Options every command accepts (set on the root program). */
export interface GlobalOptions {
  url?: string;
  token?: string;
  timeout?: string;
}

export const DEFAULT_URL = 'http://localhost:3000';
export const DEFAULT_TIMEOUT = '5s';

/** What commands share: the output streams, the environment and how to reach the gateway. */
export class CliContext {
  readonly stdout: Output;
  readonly stderr: Output;

  constructor(
    readonly env: NodeJS.ProcessEnv,
    streams: {
      stdout: NodeJS.WritableStream & { isTTY?: boolean };
      stderr: NodeJS.WritableStream & { isTTY?: boolean };
    },
  ) {
    this.stdout = new Output(streams.stdout, env);
    this.stderr = new Output(streams.stderr, env);
  }

  /** `--url` > `WS_URL` > http://localhost:3000; `--token` > `ADMIN_TOKEN`. */
  target(command: Command): { url: string; token: string | undefined; timeoutMs: number } {
    const opts = command.optsWithGlobals<GlobalOptions>();
    return {
      url: opts.url ?? nonEmpty(this.env.WS_URL) ?? DEFAULT_URL,
      token: opts.token ?? nonEmpty(this.env.ADMIN_TOKEN),
      timeoutMs: parseDuration(opts.timeout ?? DEFAULT_TIMEOUT, '--timeout'),
    };
  }

  /** Opens an admin session for the command, runs `fn` and always closes the session. */
  async withSession<T>(command: Command, fn: (session: AdminSession) => Promise<T>): Promise<T> {
    const session = await AdminSession.open(this.target(command));
    try {
      return await fn(session);
    } finally {
      session.close();
    }
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
