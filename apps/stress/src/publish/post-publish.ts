import { type Agent, request } from 'node:http';

export interface PostPublishOptions {
  agent: Agent;
  /** Bearer token (role `service`); the baselines need none. */
  token?: string | undefined;
  timeoutMs: number;
}

/**
 * POSTs one JSON body to `POST /api/v1/publish` (or a baseline's equivalent). Resolves with the HTTP status
 * (`'202'`), or with the error code (`'ECONNRESET'`, `'timeout'`…) when no answer came; never rejects.
 */
export function postPublish(endpoint: URL, body: string, options: PostPublishOptions): Promise<string> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: string) => {
      if (settled) return;
      settled = true;
      resolve(status);
    };
    const req = request(
      endpoint,
      {
        method: 'POST',
        agent: options.agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        timeout: options.timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => done(String(res.statusCode ?? 0)));
        res.on('error', () => done('response-error'));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'error'));
    req.end(body);
  });
}
