import { jwtExpiresAt } from './jwt-expiry.js';

const MAX_TIMER_MS = 2_147_483_647;

/**
 * Asks `fetchToken` for a new token `leadMs` before the current one's `exp` (read from the JWT, not
 * verified) and hands it to `apply`. A token is asked about once: if `fetchToken` returns the same
 * token, it is not asked again in a loop.
 */
export class TokenRefresher {
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The token `fetchToken` was last asked to replace. */
  #asked: string | undefined;

  readonly #leadMs: number;
  readonly #fetchToken: ((remainingMs: number) => Promise<string> | string) | undefined;
  readonly #apply: (token: string) => Promise<void>;
  readonly #fail: (error: unknown) => void;

  constructor(
    leadMs: number,
    fetchToken: ((remainingMs: number) => Promise<string> | string) | undefined,
    apply: (token: string) => Promise<void>,
    fail: (error: unknown) => void,
  ) {
    this.#leadMs = leadMs;
    this.#fetchToken = fetchToken;
    this.#apply = apply;
    this.#fail = fail;
  }

  /** (Re)arms the timer for `token` (none without a callback, a token without `exp`, or one already asked about). */
  schedule_(token: string | undefined): void {
    this.cancel_();
    const fetchToken = this.#fetchToken;
    const expiresAt = token ? jwtExpiresAt(token) : undefined;
    if (!fetchToken || expiresAt === undefined || token === this.#asked) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - this.#leadMs - Date.now()));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#asked = token;
      Promise.resolve()
        .then(() => fetchToken(Math.max(0, expiresAt - Date.now())))
        .then(this.#apply)
        .catch(this.#fail);
    }, delay);
  }

  cancel_(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
