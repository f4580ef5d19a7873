import type { Socket as NetSocket } from 'node:net';
import type { TestServer } from '@ws/test-support/server';

/** One system-call-level write of the server on a TCP connection. */
export interface ServerWrite {
  /** Which connection, numbered in the order the server accepted them (from 0). */
  connection: number;
  bytes: number;
  /** The bytes as latin1 text (strings as written). */
  text: string;
}

/** The writes so far (clear with `length = 0`), and how many connections the server accepted since recording began. */
export type ServerWrites = ServerWrite[] & { readonly accepted: number };

/**
 * Records every write the server makes on each TCP connection it accepts from now on, in order: one entry per
 * `_write`, or per `_writev` of several chunks (what reaches the kernel as one system call).
 */
export function recordServerWrites(server: TestServer): ServerWrites {
  let connections = 0;
  const writes = Object.defineProperty([] as ServerWrite[], 'accepted', { get: () => connections }) as ServerWrites;
  const bytesOf = (chunk: unknown) =>
    chunk instanceof Uint8Array ? chunk.byteLength : Buffer.byteLength(String(chunk));
  const textOf = (chunk: unknown) =>
    chunk instanceof Uint8Array ? Buffer.from(chunk).toString('latin1') : String(chunk);
  server.httpServer.on('connection', (socket: NetSocket) => {
    const connection = connections++;
    const s = socket as NetSocket & {
      _write(chunk: unknown, encoding: string, cb: () => void): void;
      _writev(chunks: { chunk: unknown }[], cb: () => void): void;
    };
    const write = s._write;
    const writev = s._writev;
    s._write = function (chunk, encoding, cb) {
      writes.push({ connection, bytes: bytesOf(chunk), text: textOf(chunk) });
      write.call(this, chunk, encoding, cb);
    };
    s._writev = function (chunks, cb) {
      const parts = chunks.map((c) => c.chunk);
      const bytes = parts.reduce((sum: number, c) => sum + bytesOf(c), 0);
      writes.push({ connection, bytes, text: parts.map(textOf).join('') });
      writev.call(this, chunks, cb);
    };
  });
  return writes;
}

/** The texts of `writes`, one list per accepted connection (empty if it got none), in the order accepted. */
export function writesByConnection(writes: ServerWrites): string[][] {
  const lists = Array.from({ length: writes.accepted }, (): string[] => []);
  for (const w of writes) lists[w.connection]?.push(w.text);
  return lists;
}
