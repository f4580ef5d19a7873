import { connect, type Socket } from 'node:net';
import { hiResNow } from '../measure/clock.js';
import {
  clientFrame,
  decodeText,
  FrameParser,
  type FrameSink,
  OPCODE_CLOSE,
  OPCODE_PONG,
  OPCODE_TEXT,
  type TextEncoding,
} from './websocket-framing.js';
import { checkUpgradeResponse, newWebSocketKey, upgradeRequest } from './websocket-handshake.js';

/** What went wrong, for callers that count failures by kind. */
export type RawWebSocketErrorCode =
  /** No 101 response within `handshakeTimeoutMs`. */
  | 'HANDSHAKE_TIMEOUT'
  /** The server answered the upgrade with another status (see `status`). */
  | 'HANDSHAKE_REFUSED'
  /** A 101 that is not a valid WebSocket upgrade (accept key, headers), or not HTTP at all. */
  | 'HANDSHAKE_INVALID'
  /** The server's frames broke RFC 6455. */
  | 'PROTOCOL_ERROR'
  /** A frame or message over `maxPayload`. */
  | 'MESSAGE_TOO_BIG'
  /** The TCP socket failed; `cause` is the system error (its `code` is e.g. ECONNREFUSED). */
  | 'SOCKET_ERROR';

export class RawWebSocketError extends Error {
  /** HTTP status of a refused upgrade, else null. */
  readonly status: number | null;
  constructor(
    readonly code: RawWebSocketErrorCode,
    message: string,
    options: { status?: number | null; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RawWebSocketError';
    this.status = options.status ?? null;
  }
}

export interface RawWebSocketOptions {
  host: string;
  port: number;
  /** Request target, e.g. `/socket.io/?EIO=4&transport=websocket`. */
  path: string;
  /** Source address to bind (spreads many clients over 127.0.0.x). */
  localAddress?: string | undefined;
  /** Bound on TCP connect plus upgrade (ms). */
  handshakeTimeoutMs: number;
  /** How text frames are decoded; `utf8` by default (see TextEncoding for when `latin1` is exact). */
  textEncoding?: TextEncoding;
  /** Largest frame or message accepted, bytes. Default 16 MiB. */
  maxPayload?: number;
  /** Extra request headers. */
  headers?: Readonly<Record<string, string>>;
}

/** Callbacks instead of events: one direct call per message on the hot path. */
export interface RawWebSocketHandlers {
  onOpen?(): void;
  onMessage(text: string): void;
  onBinary?(data: Buffer): void;
  /** Once, when the TCP connection is gone: the close code received (1005 none, 1006 no close frame). */
  onClose?(code: number, reason: string): void;
  /** At most once, before onClose. */
  onError?(error: RawWebSocketError): void;
}

export type RawWebSocketState = 'connecting' | 'open' | 'closing' | 'closed';

/**
 * Every socket of a thread reads into this one buffer (net's `onread`): no Buffer per read, no stream
 * machinery. Safe because each read is parsed to the end synchronously and the parser copies what it keeps.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const MAX_RESPONSE_HEAD = 16 * 1024;
/** After our close frame, how long the server gets to answer before the socket is destroyed. */
const CLOSE_GRACE_MS = 2_000;

function closePayload(code: number, reason: string): Buffer {
  const payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  return payload;
}

/**
 * A minimal RFC 6455 client over `node:net` for load testing on loopback: upgrade, frames in and out,
 * pong for every ping, close. A fraction of the `ws` package's cost per received message.
 */
export class RawWebSocket {
  private current: RawWebSocketState = 'connecting';
  private readonly socket: Socket;
  private readonly parser: FrameParser;
  private readonly key = newWebSocketKey();
  private head = '';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closeCode = 1006;
  private closeReason = '';
  private closeSent = false;
  private errored = false;
  /** hiResNow() of the read being parsed, 0 until asked for. */
  private readAt = 0;

  constructor(
    options: RawWebSocketOptions,
    private readonly handlers: RawWebSocketHandlers,
  ) {
    const sink: FrameSink = {
      onText: (text) => handlers.onMessage(text),
      onBinary: (data) => handlers.onBinary?.(data),
      onPing: (payload) => {
        if (this.current === 'open') this.socket.write(clientFrame(OPCODE_PONG, payload));
      },
      onPong: () => {},
      onClose: (code, reason) => this.closeReceived(code, reason),
      onProtocolError: (message, code) => this.protocolError(message, code),
    };
    this.parser = new FrameParser(sink, options.maxPayload ?? 16 * 1024 * 1024, options.textEncoding ?? 'utf8');
    const { host, port, path } = options;
    const hostHeader = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.socket = connect({
      host,
      port,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      onread: { buffer: READ_BUFFER, callback: (n, buf) => this.onRead(n, buf as Buffer) },
    });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.socket.write(upgradeRequest(hostHeader, path, this.key, options.headers)));
    this.socket.on('error', (err) => this.error(new RawWebSocketError('SOCKET_ERROR', err.message, { cause: err })));
    this.socket.on('close', () => this.socketClosed());
    this.timer = setTimeout(
      () => this.abort('HANDSHAKE_TIMEOUT', `no WebSocket upgrade within ${options.handshakeTimeoutMs} ms`),
      options.handshakeTimeoutMs,
    );
  }

  get state(): RawWebSocketState {
    return this.current;
  }

  /**
   * When the data of the message being handled was read (hiResNow): taken on first use and shared by
   * every message of one read, which all arrived together. Only meaningful inside `onMessage`.
   */
  receivedAt(): number {
    if (this.readAt === 0) this.readAt = hiResNow();
    return this.readAt;
  }

  /** Sends a text message; false (and nothing sent) once closing. Throws while still connecting. */
  send(text: string): boolean {
    if (this.current === 'connecting') throw new Error('RawWebSocket: send before open');
    if (this.current !== 'open') return false;
    this.socket.write(clientFrame(OPCODE_TEXT, text));
    return true;
  }

  /** Sends a close frame and waits (bounded) for the server's; `terminate()` if still connecting. */
  close(code = 1000, reason = ''): void {
    if (this.current === 'connecting') {
      this.terminate();
      return;
    }
    if (this.current !== 'open') return;
    this.current = 'closing';
    this.sendClose(code, reason);
    this.graceTimer();
  }

  /** Drops the TCP connection at once; onClose follows. */
  terminate(): void {
    if (this.current === 'closed') return;
    this.current = 'closing';
    this.parser.stop();
    this.socket.destroy();
  }

  private onRead(n: number, buf: Buffer): boolean {
    this.readAt = 0;
    if (this.current === 'connecting') this.readHandshake(buf, n);
    else this.parser.push(buf, 0, n);
    return true;
  }

  private readHandshake(buf: Buffer, n: number): void {
    const prior = this.head.length;
    this.head += decodeText(buf, 0, n, 'latin1');
    const end = this.head.indexOf('\r\n\r\n', Math.max(0, prior - 3));
    if (end < 0) {
      if (this.head.length > MAX_RESPONSE_HEAD) this.abort('HANDSHAKE_INVALID', 'response head over 16 KiB');
      return;
    }
    const head = this.head.slice(0, end);
    this.head = '';
    const problem = checkUpgradeResponse(head, this.key);
    if (problem !== null) {
      const code = problem.status === null || problem.status === 101 ? 'HANDSHAKE_INVALID' : 'HANDSHAKE_REFUSED';
      this.abort(code, problem.message, problem.status);
      return;
    }
    clearTimeout(this.timer);
    this.current = 'open';
    this.handlers.onOpen?.();
    // Frames that came in the same read as the response head (latin1: one char per byte).
    const rest = end + 4 - prior;
    if (rest < n && this.current === 'open') this.parser.push(buf, rest, n);
  }

  private closeReceived(code: number, reason: string): void {
    this.closeCode = code;
    this.closeReason = reason;
    if (!this.closeSent) this.sendClose(code === 1005 ? null : code, '');
    this.current = 'closing';
    // The server closes TCP first after the closing handshake; ending our side is enough.
    this.socket.end();
    this.graceTimer();
  }

  private protocolError(message: string, code: number): void {
    this.closeCode = code;
    if (!this.closeSent && this.current === 'open') this.sendClose(code, '');
    this.current = 'closing';
    this.error(new RawWebSocketError(code === 1009 ? 'MESSAGE_TOO_BIG' : 'PROTOCOL_ERROR', message));
    this.socket.end();
    this.graceTimer();
  }

  /** Bounds the closing handshake; unref'd so it never keeps a process alive on its own. */
  private graceTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    this.timer.unref();
  }

  private sendClose(code: number | null, reason: string): void {
    this.closeSent = true;
    this.socket.write(clientFrame(OPCODE_CLOSE, code === null ? Buffer.alloc(0) : closePayload(code, reason)));
  }

  private abort(code: RawWebSocketErrorCode, message: string, status: number | null = null): void {
    if (this.current !== 'connecting') return;
    this.current = 'closing';
    this.parser.stop();
    this.error(new RawWebSocketError(code, message, { status }));
    this.socket.destroy();
  }

  private error(err: RawWebSocketError): void {
    if (this.errored || this.current === 'closed') return;
    this.errored = true;
    this.handlers.onError?.(err);
  }

  private socketClosed(): void {
    if (this.current === 'connecting') {
      // As node:http reports a server that hangs up before answering.
      const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      this.error(new RawWebSocketError('SOCKET_ERROR', 'socket hang up before the upgrade response', { cause }));
    }
    clearTimeout(this.timer);
    this.parser.stop();
    this.current = 'closed';
    this.handlers.onClose?.(this.closeCode, this.closeReason);
  }
}
