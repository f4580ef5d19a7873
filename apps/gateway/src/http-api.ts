import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode, ValidationIssue } from '@ws/protocol';
import { epochNow } from '@ws/server';
import { authorizeBearer, BearerAuthError, type VerifyToken } from './bearer-auth.js';
import type { ConsoleAssets } from './console-assets.js';
import type { GatewayLogger } from './logger.js';
import { type PublishItem, parsePublishRequest } from './publish-request.js';
import type { Readiness } from './readiness.js';

export interface HttpApiOptions {
  readiness: Readiness;
  /** Prometheus exposition text and its content type. */
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** Publishes every item or none; rejects with a `{ code, details? }` error on bad input. */
  /** `receivedAt`: when the request arrived (epoch ms, sub-ms), where propagation latency starts. */
  publish: (items: PublishItem[], receivedAt: number) => Promise<void>;
  /** Verifies bearer tokens exactly as the sockets do. */
  verifyToken: VerifyToken;
  logger: GatewayLogger;
  /** Largest accepted request body in bytes (413 above). */
  maxBodyBytes: number;
  /** Most events in one publish request (413 above). */
  maxItems: number;
  /** The operations console under `/admin/console` (absent or disabled: 404 there). */
  console?: ConsoleAssets;
}

/** Roles allowed to publish over HTTP. */
export const PUBLISH_ROLES = ['service', 'admin'] as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ValidationIssue[],
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: HttpError, headers: Record<string, string> = {}): void {
  const error: { code: ErrorCode; message: string; details?: ValidationIssue[]; retryAfterMs?: number } = {
    code: err.code,
    message: err.message,
  };
  if (err.details !== undefined) error.details = err.details;
  const extra: Record<string, string> = {};
  if (err.retryAfterMs !== undefined) {
    error.retryAfterMs = err.retryAfterMs;
    // Retry-After counts whole seconds; never 0, which would invite an immediate retry storm.
    extra['retry-after'] = String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
  }
  send(res, err.status, { error }, { ...extra, ...headers });
}

/** Reads the body up to `limit` bytes; beyond it rejects with 413 without buffering the rest. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, 'LIMIT_EXCEEDED', `body larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        reject(new HttpError(413, 'LIMIT_EXCEEDED', `body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
    // A client that goes away mid-body emits neither 'end' nor always 'error'.
    req.on('close', () => {
      if (done) return;
      done = true;
      reject(new HttpError(400, 'INVALID_PAYLOAD', 'request aborted'));
    });
  });
}

/** Lets the client read an early error reply: discard (never buffer) what it still sends, then close. */
function discardRest(req: IncomingMessage, res: ServerResponse, limit: number): void {
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limit * 4) req.destroy();
  });
  req.resume();
  res.once('finish', () => {
    if (!req.complete) setTimeout(() => req.destroy(), 1000).unref();
  });
}

/**
 * The gateway's HTTP routes on node:http: `/healthz`, `/readyz`, `/metrics`,
 * `POST /api/v1/publish` and, when enabled, the console's files under `/admin/console`. Socket.IO handles `/socket.io/` before these run.
 */
export function createHttpApi(options: HttpApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { readiness, logger } = options;

  async function publish(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = epochNow();
    const { role } = await authorizeBearer(req.headers.authorization, options.verifyToken, PUBLISH_ROLES).catch(
      (err: unknown) => {
        if (err instanceof BearerAuthError) {
          throw new HttpError(err.status, err.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', err.message);
        }
        throw err;
      },
    );
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new HttpError(415, 'INVALID_PAYLOAD', 'content-type must be application/json');
    }
    const raw = await readBody(req, options.maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'INVALID_PAYLOAD', 'body is not valid JSON', [{ path: '', message: 'invalid JSON' }]);
    }
    const parsed = parsePublishRequest(body, options.maxItems);
    if (!parsed.ok) {
      throw new HttpError(
        parsed.status,
        parsed.status === 413 ? 'LIMIT_EXCEEDED' : 'INVALID_PAYLOAD',
        parsed.message,
        parsed.details,
      );
    }
    try {
      await options.publish(parsed.items, receivedAt);
    } catch (err) {
      throw toHttpError(err, parsed.single);
    }
    logger.debug({ role, accepted: parsed.items.length, first: parsed.items[0]?.event }, 'published');
    send(res, 202, { accepted: parsed.items.length });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.console?.handle(req, res)) return;
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';
    switch (path) {
      case '/healthz':
        if (!read) throw new HttpError(405, 'NOT_FOUND', 'use GET');
        send(res, 200, { status: 'ok' });
        return;
      case '/readyz': {
        if (!read) throw new HttpError(405, 'NOT_FOUND', 'use GET');
        const status = readiness.status();
        if (status.ready && status.degraded) send(res, 200, { status: 'degraded', reason: status.reason });
        else if (status.ready) send(res, 200, { status: 'ready' });
        else send(res, 503, { status: 'not_ready', state: status.state, reason: status.reason });
        return;
      }
      case '/metrics': {
        if (!read) throw new HttpError(405, 'NOT_FOUND', 'use GET');
        const { contentType, body } = await options.metrics();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
        return;
      }
      case '/api/v1/publish':
        if (method !== 'POST') throw new HttpError(405, 'NOT_FOUND', 'use POST');
        await publish(req, res);
        return;
      default:
        throw new HttpError(404, 'NOT_FOUND', 'not found');
    }
  }

  return (req, res) => {
    route(req, res).catch((err: unknown) => {
      const httpError =
        err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', 'internal error, see the gateway log');
      if (!(err instanceof HttpError)) logger.error({ err, url: req.url, method: req.method }, 'http request failed');
      const headers: Record<string, string> = {};
      if (httpError.status === 405) headers['allow'] = req.url?.startsWith('/api/') ? 'POST' : 'GET, HEAD';
      if (!req.complete) {
        headers['connection'] = 'close';
        discardRest(req, res, options.maxBodyBytes);
      }
      sendError(res, httpError, headers);
    });
  };
}

/** Maps the server's typed errors (WsError-like `{ code, message, details }`) to HTTP. */
function toHttpError(err: unknown, single: boolean): HttpError {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    const e = err as { code: string; message?: string; details?: ValidationIssue[]; retryAfterMs?: number };
    // An outage, not a bug: nothing was published; the publisher retries after Retry-After.
    if (e.code === 'UNAVAILABLE') {
      return new HttpError(503, 'UNAVAILABLE', e.message ?? 'unavailable', undefined, e.retryAfterMs ?? 1000);
    }
    if (e.code === 'INVALID_PAYLOAD' || e.code === 'UNKNOWN_SYMBOL' || e.code === 'LIMIT_EXCEEDED') {
      // The server points into each item's data (`/0/symbol`); the body has the envelope (`/0/data/symbol`).
      const details = e.details?.map((d) => ({
        ...d,
        path: d.path.replace(/^\/(\d+)(?=\/|$)/, (_m, i: string) => (single ? '/data' : `/${i}/data`)),
      }));
      return new HttpError(400, e.code, e.message ?? 'invalid payload', details);
    }
  }
  throw err;
}
