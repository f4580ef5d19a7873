import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import { freePort } from '../../src/gateway/server-process.js';
import {
  RawWebSocket,
  type RawWebSocketError,
  type RawWebSocketHandlers,
  type RawWebSocketOptions,
} from '../../src/websocket/raw-websocket.js';
import { expectedAccept } from '../../src/websocket/websocket-handshake.js';

/** A client and everything it reported. */
function open(port: number, extra: Partial<Pick<RawWebSocketOptions, 'path' | 'handshakeTimeoutMs'>> = {}) {
  const seen = {
    opened: false,
    messages: [] as string[],
    errors: [] as RawWebSocketError[],
    closed: null as { code: number; reason: string } | null,
  };
  const handlers: RawWebSocketHandlers = {
    onOpen: () => {
      seen.opened = true;
    },
    onMessage: (text) => seen.messages.push(text),
    onError: (err) => seen.errors.push(err),
    onClose: (code, reason) => {
      seen.closed = { code, reason };
    },
  };
  const ws = new RawWebSocket(
    { host: '127.0.0.1', port, path: extra.path ?? '/ws', handshakeTimeoutMs: extra.handshakeTimeoutMs ?? 5_000 },
    handlers,
  );
  clients.push(ws);
  return { ws, seen };
}
const clients: RawWebSocket[] = [];
afterEach(() => {
  for (const ws of clients.splice(0)) ws.terminate();
});

describe('RawWebSocket against a ws WebSocketServer', () => {
  let wss: WebSocketServer;
  let port: number;
  const connections: ServerSocket[] = [];

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws', perMessageDeflate: false });
    await once(wss, 'listening');
    port = (wss.address() as { port: number }).port;
    wss.on('connection', (socket) => connections.push(socket));
  });
  afterAll(async () => {
    for (const socket of wss.clients) socket.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });

  async function connected(): Promise<{ client: ReturnType<typeof open>; server: ServerSocket }> {
    const before = connections.length;
    const client = open(port);
    await vi.waitFor(() => expect(client.seen.opened && connections.length > before).toBe(true));
    return { client, server: connections[connections.length - 1] as ServerSocket };
  }

  it('opens, receives text of every length encoding in order, and sends text the server reads', async () => {
    const { client, server } = await connected();
    const sent = ['{"event":"price.update"}', 'é€✓ unicode', 'm'.repeat(126), 'b'.repeat(65_536), ''];
    for (const text of sent) server.send(text);
    await vi.waitFor(() => expect(client.seen.messages).toHaveLength(sent.length));
    expect(client.seen.messages).toEqual(sent);
    const received = once(server, 'message');
    expect(client.ws.send('{"type":"subscribe","symbols":["BTC/USDT"]}')).toBe(true);
    const [data, isBinary] = (await received) as [Buffer, boolean];
    expect(isBinary).toBe(false);
    expect(data.toString()).toBe('{"type":"subscribe","symbols":["BTC/USDT"]}');
  });

  it('receives thousands of frames sent back to back (many per read, frames cut across reads)', async () => {
    const { client, server } = await connected();
    const sent = Array.from({ length: 5_000 }, (_, i) => `{"event":"price.update","data":{"seq":${i + 1}}}`);
    for (const text of sent) server.send(text);
    await vi.waitFor(() => expect(client.seen.messages).toHaveLength(sent.length));
    expect(client.seen.messages).toEqual(sent);
  });

  it('answers a ping with a masked pong carrying the same payload', async () => {
    const { server } = await connected();
    const pong = once(server, 'pong');
    server.ping(Buffer.from('heartbeat-1'));
    const [payload] = (await pong) as [Buffer];
    // The ws server fails the connection on any unmasked client frame; receiving the pong proves the mask.
    expect(payload.toString()).toBe('heartbeat-1');
  });

  it('echoes the server close code and reports it', async () => {
    const { client, server } = await connected();
    const serverClosed = once(server, 'close');
    server.close(4001, 'maintenance');
    const [code] = (await serverClosed) as [number];
    expect(code).toBe(4001);
    await vi.waitFor(() => expect(client.seen.closed).toEqual({ code: 4001, reason: 'maintenance' }));
    expect(client.ws.state).toBe('closed');
    expect(client.seen.errors).toEqual([]);
    expect(client.ws.send('late')).toBe(false);
  });

  it('closes with a close frame the server sees, and terminates without one', async () => {
    const first = await connected();
    const closed = once(first.server, 'close');
    first.client.ws.close(1000, 'done');
    const [code, reason] = (await closed) as [number, Buffer];
    expect([code, reason.toString()]).toEqual([1000, 'done']);
    await vi.waitFor(() => expect(first.client.seen.closed).not.toBeNull());

    const second = await connected();
    const dropped = once(second.server, 'close');
    second.client.ws.terminate();
    const [dropCode] = (await dropped) as [number];
    expect(dropCode).toBe(1006);
    await vi.waitFor(() => expect(second.client.seen.closed).toEqual({ code: 1006, reason: '' }));
  });

  it('reports a server that drops the connection as close 1006', async () => {
    const { client, server } = await connected();
    server.terminate();
    await vi.waitFor(() => expect(client.seen.closed).toEqual({ code: 1006, reason: '' }));
  });
});

describe('RawWebSocket refuses what is not a WebSocket', () => {
  const servers: NetServer[] = [];
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  /** A TCP server that answers the upgrade request with `respond(key, socket)`. */
  async function rawServer(respond: (key: string, socket: Socket) => void): Promise<number> {
    const server = createNetServer((socket) => {
      let head = '';
      socket.on('error', () => {});
      socket.on('data', (chunk) => {
        if (head.includes('\r\n\r\n')) return;
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        respond(/sec-websocket-key: (\S+)/i.exec(head)?.[1] ?? '', socket);
      });
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as { port: number }).port;
  }

  async function failure(port: number, handshakeTimeoutMs = 5_000): Promise<RawWebSocketError> {
    const { seen } = open(port, { handshakeTimeoutMs });
    await vi.waitFor(() => expect(seen.closed).not.toBeNull());
    expect(seen.opened).toBe(false);
    expect(seen.errors).toHaveLength(1);
    return seen.errors[0] as RawWebSocketError;
  }

  it('a refused upgrade (HTTP 400) with its status', async () => {
    const http = createHttpServer((_req, res) => res.writeHead(400).end('no'));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const err = await failure((http.address() as { port: number }).port);
      expect([err.code, err.status, err.message]).toEqual([
        'HANDSHAKE_REFUSED',
        400,
        'unexpected server response: 400',
      ]);
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('a 101 with the wrong Sec-WebSocket-Accept', async () => {
    const port = await rawServer((_key, socket) =>
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm9wZQ==\r\n\r\n',
      ),
    );
    const err = await failure(port);
    expect([err.code, err.status, err.message]).toEqual(['HANDSHAKE_INVALID', 101, 'wrong Sec-WebSocket-Accept']);
  });

  it('an answer that is not HTTP', async () => {
    const port = await rawServer((_key, socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    const err = await failure(port);
    expect(err.code).toBe('HANDSHAKE_INVALID');
    expect(err.message).toContain('not an HTTP response');
  });

  it('no answer within the handshake timeout', async () => {
    const port = await rawServer(() => {});
    const err = await failure(port, 200);
    expect(err.code).toBe('HANDSHAKE_TIMEOUT');
  });

  it('nothing listening: a socket error with the system code', async () => {
    const err = await failure(await freePort());
    expect(err.code).toBe('SOCKET_ERROR');
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('a frame that breaks the protocol after a valid upgrade: error, then a 1002 close frame', async () => {
    let closeFrame: Promise<Buffer> | undefined;
    const port = await rawServer((key, socket) => {
      closeFrame = new Promise((resolve) => socket.once('data', resolve));
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${expectedAccept(key)}\r\n\r\n`,
      );
      // A valid text frame, then one with RSV1 set (no extension was negotiated).
      socket.write(
        Buffer.concat([Buffer.from([0x81, 2]), Buffer.from('ok'), Buffer.from([0xc1, 2]), Buffer.from('no')]),
      );
    });
    const { seen } = open(port);
    await vi.waitFor(() => expect(seen.closed).not.toBeNull());
    expect(seen.opened).toBe(true);
    expect(seen.messages).toEqual(['ok']);
    expect(seen.errors.map((e) => e.code)).toEqual(['PROTOCOL_ERROR']);
    expect(seen.closed).toEqual({ code: 1002, reason: '' });
    const frame = (await closeFrame) as Buffer;
    expect(frame[0]).toBe(0x88);
    expect((frame[1] as number) & 0x80).toBe(0x80);
    const mask = frame.subarray(2, 6);
    const code = (((frame[6] as number) ^ (mask[0] as number)) << 8) | ((frame[7] as number) ^ (mask[1] as number));
    expect(code).toBe(1002);
  });
});
