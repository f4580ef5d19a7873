import type { ClientToServerEvents, NamespaceName } from '@ws/protocol';
import type { NamespaceSocket } from './namespace-connection.js';
import { TradingClientError } from './trading-client-error.js';

type AckOf<F> = F extends (payload: never, ack: (response: infer A) => void) => void ? A : never;

/** The request events of namespace `N` (every one takes an ack). */
export type RequestEvent<N extends NamespaceName> = keyof ClientToServerEvents<N> & string;

export type RequestPayload<N extends NamespaceName, E extends RequestEvent<N>> = ClientToServerEvents<N>[E] extends (
  payload: infer P,
  ack: never,
) => void
  ? P
  : never;

/** The success branch of an event's ack, without `ok`. */
export type RequestResult<N extends NamespaceName, E extends RequestEvent<N>> = Omit<
  Extract<AckOf<ClientToServerEvents<N>[E]>, { ok: true }>,
  'ok'
>;

/**
 * Emits one request with an ack and resolves with the success branch of the ack. Every failure is a
 * TradingClientError: the server's code from a failed ack, CLOSED after `close()`, DISCONNECTED when the
 * connection dropped first, TIMEOUT when no answer came within `timeoutMs`.
 */
export function sendRequest<N extends NamespaceName, E extends RequestEvent<N>>(
  namespace: N,
  socket: NamespaceSocket<N>,
  event: E,
  payload: RequestPayload<N, E>,
  timeoutMs: number,
  isClosed: () => boolean,
): Promise<RequestResult<N, E>> {
  const context = { namespace, event };
  // The event maps type each ack per event; one generic emit cannot be checked against all of them at once.
  const timed = socket.timeout(timeoutMs) as unknown as {
    emit(event: string, payload: unknown, ack: (err: Error | null, response: unknown) => void): void;
  };
  return new Promise((resolve, reject) => {
    timed.emit(event, payload, (err, response) => {
      if (err) {
        if (isClosed()) reject(new TradingClientError('CLOSED', 'client closed', context));
        else if (!socket.connected)
          reject(new TradingClientError('DISCONNECTED', `disconnected before ${event} was answered`, context));
        else reject(new TradingClientError('TIMEOUT', `no answer to ${event} within ${timeoutMs} ms`, context));
        return;
      }
      const ack = response as { ok?: unknown; error?: unknown } | null;
      if (ack && typeof ack === 'object' && ack.ok === true) {
        const { ok: _ok, ...result } = ack;
        resolve(result as RequestResult<N, E>);
      } else {
        reject(TradingClientError.fromPayload(ack?.error ?? { code: 'INTERNAL', message: 'malformed ack' }, context));
      }
    });
  });
}
