/** Structured logger the server writes to; pino satisfies it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

/** The default: the library logs nothing unless the host passes a logger. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
