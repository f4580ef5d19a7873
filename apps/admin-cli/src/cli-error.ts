/** Process exit codes of `pnpm admin`. */
export const ExitCodes = {
  OK: 0,
  /** The command failed: gateway unreachable, request refused or timed out. */
  FAILURE: 1,
  /** Bad command line: unknown command or option, missing or invalid argument. */
  USAGE: 2,
  /** The token is missing, invalid, expired or not an admin's. */
  UNAUTHORIZED: 3,
} as const;
export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

/** An error the CLI reports as one line on stderr and turns into its exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, ExitCodes.USAGE);
}
