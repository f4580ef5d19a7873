import { type DestinationStream, pino } from 'pino';
import type { LogLevel } from './config.js';

/** The `(obj, msg)` logger shape `@ws/server` takes; pino satisfies it. */
export interface GatewayLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): GatewayLogger;
}

/**
 * Structured JSON logs on stdout (or `destination`), one line per event, tagged with the node id once: in the
 * base bindings, which is why no component adds a `nodeId` field of its own.
 */
export function createLogger(options: {
  level: LogLevel;
  nodeId: string;
  destination?: DestinationStream;
}): GatewayLogger {
  const settings = {
    level: options.level,
    base: { nodeId: options.nodeId, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Never log credentials that may reach a log line by accident.
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'secret', '*.secret'],
      censor: '[redacted]',
    },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
