import { latencyMicros } from '../measure/clock.js';
import { RawWebSocket, type RawWebSocketError } from '../websocket/raw-websocket.js';
import type { ClientStats } from './client-stats.js';
import { decimalAt, intAt, needle, stringField } from './frame-fields.js';
import { ReceivedEvents } from './received-events.js';

/** `socketio`: Engine.IO v4 / Socket.IO v5 over one WebSocket. `ws`: the raw-ws baseline's JSON frames. */
export type LeanTarget = 'socketio' | 'ws';
export type StreamNamespace = '/prices' | '/market' | '/user';

export interface LeanClientOptions {
  /** `http://127.0.0.1:port` of the server. */
  url: string;
  target: LeanTarget;
  namespace: StreamNamespace;
  /** Sent as the namespace's `auth.token`. */
  token?: string | undefined;
  symbols: readonly string[];
  /** `/market` channels to subscribe. */
  channels: readonly string[];
  localAddress?: string | undefined;
  /** Bound on connecting and subscribing (ms). */
  timeoutMs: number;
  stats: ClientStats;
}

const EVENT = needle('event');
const CODE = needle('code');
/** How the raw-ws baseline's frames begin: `{"event":"price.update","data":{…}}`. */
const BASELINE_HEAD = '{"event":"';

/** A failed connect, with the server's error code (UNAUTHORIZED, RATE_LIMITED…) or a transport code. */
export class LeanConnectError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Socket errors keep their system code (ECONNREFUSED…); anything else at the WebSocket level is TRANSPORT. */
function transportCode(err: RawWebSocketError): string {
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  return err.code === 'SOCKET_ERROR' && typeof cause?.code === 'string' ? cause.code : 'TRANSPORT';
}

/**
 * A minimal protocol client over RawWebSocket (RFC 6455 on `node:net`): handshake, ping/pong, one
 * namespace, one subscribe request, and stream frames read with string scans instead of JSON.parse — a
 * small fraction of socket.io-client's cost per message, so thousands of them fit in one load-generator thread.
 */
export class LeanClient {
  private ws: RawWebSocket | null = null;
  private closing = false;
  private readonly events: ReceivedEvents;
  private readonly eventPrefix: string;
  private readonly nspPrefix: string;

  constructor(private readonly options: LeanClientOptions) {
    this.nspPrefix = `${options.namespace},`;
    this.eventPrefix = `42${this.nspPrefix}`;
    this.events = new ReceivedEvents(options.stats, options.namespace);
  }

  /** Connects, joins the namespace and subscribes; resolves once the subscription is confirmed. */
  connect(): Promise<void> {
    const { options } = this;
    const base = new URL(options.url);
    const path = options.target === 'socketio' ? '/socket.io/?EIO=4&transport=websocket' : '/ws';
    const started = performance.now();
    options.stats.connectAttempt();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (code: string, message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.stats.connectFailed(code);
        this.closing = true;
        ws.terminate();
        reject(new LeanConnectError(code, message));
      };
      const succeed = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.stats.connectSucceeded((performance.now() - started) * 1000);
        resolve();
      };
      const timer = setTimeout(
        () => fail('TIMEOUT', `no subscription within ${options.timeoutMs} ms`),
        options.timeoutMs,
      );
      const onBaselineMessage = (text: string) => {
        if (settled) {
          if (text.startsWith(BASELINE_HEAD)) {
            this.onEvent(text, BASELINE_HEAD.length - 1, ws);
            return;
          }
          const key = text.indexOf(EVENT);
          if (key >= 0 && text.charCodeAt(key + EVENT.length) === 34) this.onEvent(text, key + EVENT.length, ws);
        } else if (text.includes('"subscribed"')) succeed();
      };
      // `42/prices,["price.update",{…}]`: the event name's opening quote follows the prefix and `[`.
      const eventQuote = this.eventPrefix.length + 1;
      const onSocketIoMessage = (text: string) => {
        if (text.startsWith(this.eventPrefix)) {
          this.onEvent(text, eventQuote, ws);
          return;
        }
        const type = text.charCodeAt(0);
        if (text === '2') {
          ws.send('3');
        } else if (type === 48 /* 0: open */) {
          const auth = options.token ? JSON.stringify({ token: options.token }) : '';
          ws.send(`40${this.nspPrefix}${auth}`);
        } else if (text.startsWith(`40${this.nspPrefix}`)) {
          this.afterNamespaceConnect(ws, succeed, fail);
        } else if (text.startsWith(`44${this.nspPrefix}`)) {
          fail(connectErrorCode(text.slice(2 + this.nspPrefix.length)), 'namespace refused');
        } else if (text.startsWith(`43${this.nspPrefix}1`)) {
          if (text.includes('"ok":true')) succeed();
          else fail(stringField(text, CODE) ?? 'SUBSCRIBE_FAILED', 'subscribe refused');
        } else if (text.startsWith(`41${this.nspPrefix}`) || text === '1') {
          ws.close();
        }
      };
      const ws = new RawWebSocket(
        {
          host: base.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: Number(base.port) || 80,
          path,
          localAddress: options.localAddress,
          handshakeTimeoutMs: options.timeoutMs,
          // Every field read here is ASCII, and ASCII bytes of UTF-8 text keep their place under latin1.
          textEncoding: 'latin1',
        },
        {
          onOpen:
            options.target === 'ws'
              ? () => ws.send(JSON.stringify({ type: 'subscribe', symbols: options.symbols }))
              : undefined,
          onMessage: options.target === 'ws' ? onBaselineMessage : onSocketIoMessage,
          onError: (err) => fail(transportCode(err), err.message),
          onClose: () => {
            if (!settled) fail('CLOSED', 'closed while connecting');
            else if (!this.closing) {
              this.closing = true;
              options.stats.drop();
            }
          },
        },
      );
      this.ws = ws;
    });
  }

  private afterNamespaceConnect(
    ws: RawWebSocket,
    succeed: () => void,
    fail: (code: string, msg: string) => void,
  ): void {
    const { namespace, symbols, channels, stats } = this.options;
    if (namespace === '/user') {
      succeed();
      return;
    }
    const payload = namespace === '/market' ? { channels, symbols } : { symbols };
    stats.request();
    try {
      ws.send(`42${this.nspPrefix}1${JSON.stringify(['subscribe', payload])}`);
    } catch (err) {
      fail('TRANSPORT', err instanceof Error ? err.message : String(err));
    }
  }

  /** A frame carrying an event whose quoted name starts at `quote`; `ws` tells when it was read. */
  private onEvent(text: string, quote: number, ws: RawWebSocket): void {
    const kind = this.events.at(text, quote);
    if (kind === null) return;
    const { stats } = this.options;
    // connection.authenticated, subscription.confirmed, system.message… are not stream messages.
    if (kind.counter === null) {
      if (kind.name === 'error') stats.error(stringField(text, CODE) ?? 'ERROR');
      return;
    }
    const seqAt = kind.seqKey.find(text);
    const seq = seqAt < 0 ? null : intAt(text, seqAt + kind.seqKey.key.length);
    let first = false;
    if (seq !== null) {
      // seq is per room; the baselines send none, so they skip this bookkeeping.
      const room = this.events.roomOf(kind, text);
      const last = room.last;
      first = last < 0;
      if (!first && seq !== last + 1 && seq !== last) stats.gap(seq - last - 1);
      room.last = seq;
    }
    let latencyUs: number | null = null;
    // The first message of a room may be the snapshot sent on subscribe: old by design, so not timed.
    if (!first) {
      const { stampKey, timestampKey } = kind;
      let stamp: number | null = null;
      if (stampKey !== null) {
        const at = stampKey.find(text);
        if (at >= 0) stamp = decimalAt(text, at + stampKey.key.length);
      }
      let timestamp: number | null = null;
      if (stamp === null) {
        const at = timestampKey.find(text);
        if (at >= 0) timestamp = intAt(text, at + timestampKey.key.length);
      }
      latencyUs = latencyMicros(ws.receivedAt(), stamp, timestamp);
    }
    stats.countMessage(kind.counter, latencyUs);
  }

  /** Closes the connection; a close we asked for is not counted as a drop. */
  close(): void {
    this.closing = true;
    const ws = this.ws;
    if (ws === null) return;
    if (ws.state === 'open' || ws.state === 'connecting') ws.terminate();
  }
}

function connectErrorCode(json: string): string {
  try {
    const parsed = JSON.parse(json) as { message?: unknown; data?: { code?: unknown } };
    if (typeof parsed.data?.code === 'string') return parsed.data.code;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // fall through
  }
  return 'CONNECT_ERROR';
}
