import type { WebSocketServerOptions } from '../websocket-server-options.js';

/** Says at start which symbols subscribes and publishes accept, so an `UNKNOWN_SYMBOL` is never a mystery. */
export function logSymbolPolicy(options: WebSocketServerOptions, given: { configured: boolean }): void {
  const publishes = options.allowUnknownSymbols ? 'any well-formed BASE/QUOTE' : 'the same symbols';
  if (options.symbols.length === 0) {
    options.logger.warn(
      { symbols: [], publishes },
      'no symbols configured: every subscribe is refused with UNKNOWN_SYMBOL (set options.symbols)',
    );
    return;
  }
  options.logger.info(
    { symbols: options.symbols.slice(0, 20), count: options.symbols.length, publishes },
    given.configured
      ? `symbols: ${options.symbols.length} configured; others are refused with UNKNOWN_SYMBOL`
      : `symbols: the ${options.symbols.length} defaults (DEFAULT_SYMBOLS); set options.symbols to change; others are refused with UNKNOWN_SYMBOL`,
  );
}
