import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** What the baselines take from the publisher: the same body as the gateway's publish API. */
export interface BaselineItem {
  event: string;
  data: { symbol?: string } & Record<string, unknown>;
}

const MAX_BODY = 4 * 1024 * 1024;

/**
 * `GET /healthz` and `POST /api/v1/publish` for the baseline servers: no auth and no validation (that is
 * what makes them baselines), but the same JSON body and the same 202 as the gateway.
 */
export function createPublishServer(fanOut: (item: BaselineItem) => void): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.method !== 'POST' || req.url !== '/api/v1/publish') {
      // Socket.IO and ws handle their own paths on 'upgrade'/'request' before this.
      if (!req.url?.startsWith('/socket.io/')) res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      const items = (Array.isArray(body) ? body : [body]) as BaselineItem[];
      for (const item of items) fanOut(item);
      res.writeHead(202, { 'content-type': 'application/json' }).end(`{"accepted":${items.length}}`);
    });
  });
}
