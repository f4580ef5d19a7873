/**
 * An option the server, or a component it composes, cannot use. `option` is the option's path in
 * `WebSocketServerInit` (`auth.secret`, `rateLimit.namespaces['/user'].points`, `connectionCaps.maxPerIp`; a
 * component built on its own names the same path), so an application can tell its user which of its own
 * settings to change. Thrown at construction or `initialize`, before anything is attached or listening.
 */
export class WsConfigError extends Error {
  override readonly name = 'WsConfigError';
  /** The option's path in `WebSocketServerInit`. */
  readonly option: string;

  constructor(option: string, problem: string, options: { cause?: unknown } = {}) {
    super(`${option} ${problem}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.option = option;
  }
}
