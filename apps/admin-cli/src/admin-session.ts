import { isTradingClientError, TradingClient } from '@ws/client';
import { CliError, ExitCodes } from './cli-error.js';

export interface AdminSessionOptions {
  /** Gateway base URL, e.g. `http://localhost:3000`. */
  url: string;
  /** Admin JWT; a missing token fails with exit code 3 before anything is sent. */
  token: string | undefined;
  /** How long to wait for the connection and for each answer (ms). */
  timeoutMs: number;
}

const TOKEN_HINT = 'pass --token or set ADMIN_TOKEN (for development: pnpm admin token --user <id> --role admin)';

/** A `TradingClient` connected to `/admin`; every failure surfaces as a `CliError` with its exit code. */
export class AdminSession {
  private connected = false;

  private constructor(
    readonly client: TradingClient,
    readonly url: string,
    private readonly timeoutMs: number,
  ) {
    client.on('state', (change) => {
      if (change.state === 'connected') this.connected = true;
    });
    // Refusals are also raised as `error` events; the awaited request reports them.
    client.on('error', () => {});
  }

  /** Connects to `/admin` and proves the token with one `admin.metrics` round trip. */
  static async open(options: AdminSessionOptions): Promise<AdminSession> {
    if (!options.token) throw new CliError(`no admin token: ${TOKEN_HINT}`, ExitCodes.UNAUTHORIZED);
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new CliError(`invalid gateway url ${JSON.stringify(options.url)}`, ExitCodes.USAGE);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      throw new CliError(`gateway url must be http(s):// or ws(s)://, got ${options.url}`, ExitCodes.USAGE);
    }
    const client = new TradingClient({
      url: options.url,
      token: options.token,
      timeout: options.timeoutMs,
      pingInterval: 0,
      reconnectDelayMin: 200,
      reconnectDelayMax: 2_000,
    });
    const session = new AdminSession(client, options.url, options.timeoutMs);
    try {
      await session.run(() => client.admin.metrics());
    } catch (error) {
      session.close();
      throw error;
    }
    return session;
  }

  /** Runs a request and maps its failure to a `CliError`. */
  async run<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.toCliError(error);
    }
  }

  close(): void {
    this.client.close();
  }

  private toCliError(error: unknown): CliError {
    if (error instanceof CliError) return error;
    if (!isTradingClientError(error)) {
      const message = error instanceof Error ? error.message : String(error);
      return new CliError(`unexpected failure: ${message}`, ExitCodes.FAILURE, { cause: error });
    }
    const options = { cause: error };
    switch (error.code) {
      case 'UNAUTHORIZED':
        return new CliError(
          `the gateway refused the token (${error.message}): ${TOKEN_HINT}`,
          ExitCodes.UNAUTHORIZED,
          options,
        );
      case 'FORBIDDEN':
        return new CliError(
          `the token is not an admin's (${error.message}); /admin needs a token with role admin`,
          ExitCodes.UNAUTHORIZED,
          options,
        );
      case 'TIMEOUT':
        if (!this.connected) {
          const cause = isTradingClientError(error.cause) ? `: ${error.cause.message}` : '';
          return new CliError(
            `gateway unreachable at ${this.url} (no connection within ${this.timeoutMs} ms${cause})`,
            ExitCodes.FAILURE,
            options,
          );
        }
        return new CliError(`the gateway did not answer within ${this.timeoutMs} ms`, ExitCodes.FAILURE, options);
      case 'DISCONNECTED':
        return new CliError(`lost the connection to ${this.url}: ${error.message}`, ExitCodes.FAILURE, options);
      case 'RATE_LIMITED': {
        const retry = error.retryAfterMs === undefined ? '' : `; retry in ${Math.ceil(error.retryAfterMs / 1000)} s`;
        return new CliError(`rate limited by the gateway${retry}`, ExitCodes.FAILURE, options);
      }
      case 'INVALID_PAYLOAD':
        return new CliError(`the gateway rejected the arguments: ${error.message}`, ExitCodes.USAGE, options);
      default:
        return new CliError(`${error.code}: ${error.message}`, ExitCodes.FAILURE, options);
    }
  }
}
