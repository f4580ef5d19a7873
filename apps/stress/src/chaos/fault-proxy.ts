import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { WebSocketFrameCursor } from './websocket-frame-cursor.js';

/** Extra one-way delay per chunk, uniformly drawn from `[minMs, maxMs]`; chunks never overtake each other. */
export interface LatencyFault {
  minMs: number;
  maxMs: number;
}

export interface FaultProxyOptions {
  /** Where connections are forwarded (loopback). */
  targetHost: string;
  targetPort: number;
  /**
   * Source address of the forwarded connections, e.g. `127.0.5.1`: a proxy per source address lets an
   * `ip_hash` load balancer see several clients' networks on one machine.
   */
  localAddress?: string;
  /** For the jitter; `Math.random` by default. */
  random?: () => number;
}

export interface FaultProxyStats {
  accepted: number;
  /** Connections closed by `resetMidFrame` with RST. */
  resets: number;
  /** Of those, the ones cut strictly inside a WebSocket frame (the rest had no traffic to cut). */
  midFrameResets: number;
  /** Connections closed cleanly (FIN) by `closeAll`. */
  cleanCloses: number;
}

/** Unread bytes a direction may hold before it stops reading from its source (backpressure, as TCP does). */
const HIGH_WATER = 64 * 1024;
/** A pending reset waits this long for server→client traffic to cut; then it resets anyway. */
const RESET_WAIT_MS = 5_000;

/** The faults currently applied to every connection of one proxy (its "network"). */
class NetworkState {
  blackholed = false;
  latency: LatencyFault | null = null;
  bytesPerSecond: number | null = null;
  constructor(readonly random: () => number) {}

  delay(): number {
    const l = this.latency;
    return l ? l.minMs + this.random() * (l.maxMs - l.minMs) : 0;
  }
}

interface Queued {
  buf: Buffer;
  due: number;
}

/** One direction of a proxied connection: a queue timed by latency, drained at the bandwidth, stopped by a blackhole. */
class Pipe {
  private readonly queue: Queued[] = [];
  private queued = 0;
  private lastDue = 0;
  private tokens = 0;
  private refilledAt = performance.now();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private blocked = false;
  /** The source sent FIN: once the queue is written, so does the destination. */
  ended = false;
  /** Set on the server→client pipe by a pending reset: cut inside the next frame written, then call this. */
  cut: ((midFrame: boolean) => void) | null = null;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly network: NetworkState,
    private readonly cursor: WebSocketFrameCursor | null,
  ) {
    src.on('data', (chunk: Buffer) => this.push(chunk));
    src.on('end', () => {
      this.ended = true;
      this.pump();
    });
  }

  private push(chunk: Buffer): void {
    const now = performance.now();
    const due = Math.max(this.lastDue, now + this.network.delay());
    this.lastDue = due;
    this.queue.push({ buf: chunk, due });
    this.queued += chunk.length;
    if (this.queued > HIGH_WATER) this.src.pause();
    this.pump();
  }

  /** Stops reading and writing (a blackhole); `pump` resumes. */
  hold(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.src.pause();
  }

  pump(): void {
    if (this.timer !== undefined || this.blocked || this.dst.destroyed) return;
    if (this.network.blackholed) {
      this.hold();
      return;
    }
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const now = performance.now();
      if (head.due > now) {
        this.schedule(head.due - now);
        return;
      }
      let piece = head.buf;
      const rate = this.network.bytesPerSecond;
      if (rate !== null) {
        const cap = Math.max(512, rate / 10);
        this.tokens = Math.min(cap, this.tokens + (rate * (now - this.refilledAt)) / 1000);
        this.refilledAt = now;
        if (this.tokens < 1) {
          this.schedule(Math.max(1, (Math.min(cap, 512) * 1000) / rate));
          return;
        }
        if (piece.length > this.tokens) piece = piece.subarray(0, Math.floor(this.tokens));
        this.tokens -= piece.length;
      } else {
        this.refilledAt = now;
      }
      if (this.cut && this.cursor) {
        const at = this.cursor.cutInside(piece);
        if (at > 0) {
          const cut = this.cut;
          this.cut = null;
          // Not in the write callback itself: a socket destroyed there closes with FIN, not RST (Node 20).
          this.dst.write(piece.subarray(0, at), () => setImmediate(() => cut(true)));
          return;
        }
      }
      this.cursor?.advance(piece);
      if (piece.length === head.buf.length) this.queue.shift();
      else head.buf = head.buf.subarray(piece.length);
      this.queued -= piece.length;
      if (!this.dst.write(piece)) {
        this.blocked = true;
        this.dst.once('drain', () => {
          this.blocked = false;
          this.pump();
        });
        return;
      }
    }
    if (this.ended) {
      if (!this.dst.writableEnded) this.dst.end();
      return;
    }
    if (this.queued < HIGH_WATER / 2 && this.src.isPaused()) this.src.resume();
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, ms);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

/** A client connection and its forwarded upstream connection. */
class ProxiedConnection {
  readonly up: Pipe;
  readonly down: Pipe;
  private resetTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    network: NetworkState,
  ) {
    this.up = new Pipe(client, upstream, network, null);
    this.down = new Pipe(upstream, client, network, new WebSocketFrameCursor());
    // An RST on one side is passed on as an RST; a side gone without FIN takes the other with it.
    const link = (a: Socket, from: Pipe, b: Socket) => {
      a.on('error', () => {
        if (!b.destroyed) b.resetAndDestroy();
      });
      a.on('close', () => {
        if (!from.ended && !b.destroyed) b.destroy();
        if (client.destroyed && upstream.destroyed) this.dispose();
      });
    };
    link(client, this.up, upstream);
    link(upstream, this.down, client);
  }

  get open(): boolean {
    return !this.client.destroyed && !this.upstream.destroyed;
  }

  /** Resets both sides with RST after writing part of the next server→client frame. */
  reset(): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (midFrame: boolean) => {
        clearTimeout(this.resetTimer);
        this.down.cut = null;
        if (!this.client.destroyed) this.client.resetAndDestroy();
        if (!this.upstream.destroyed) this.upstream.resetAndDestroy();
        resolve(midFrame);
      };
      this.down.cut = finish;
      this.resetTimer = setTimeout(() => finish(false), RESET_WAIT_MS);
      this.down.pump();
    });
  }

  /** FIN on both sides, as a clean close by the network would look. */
  end(): void {
    this.client.end();
    this.upstream.end();
  }

  hold(): void {
    this.up.hold();
    this.down.hold();
  }

  resume(): void {
    this.up.pump();
    this.down.pump();
  }

  dispose(): void {
    clearTimeout(this.resetTimer);
    this.up.dispose();
    this.down.dispose();
  }
}

/**
 * A TCP proxy on loopback whose network the caller breaks on purpose: a blackhole (nothing forwarded,
 * no FIN, no RST, on current and new connections, until `heal`), resets with RST in the middle of a
 * WebSocket frame, latency with jitter, a bandwidth limit, or a clean close.
 */
export class FaultProxy {
  readonly stats: FaultProxyStats = { accepted: 0, resets: 0, midFrameResets: 0, cleanCloses: 0 };
  private readonly connections = new Set<ProxiedConnection>();
  private readonly network: NetworkState;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    options: FaultProxyOptions,
  ) {
    this.network = new NetworkState(options.random ?? Math.random);
    server.on('connection', (client) => this.accept(client, options));
  }

  /** Listens on a free loopback port. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer({ allowHalfOpen: true });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new FaultProxy(server, port, options);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections open now. */
  get openConnections(): number {
    let n = 0;
    for (const c of this.connections) if (c.open) n++;
    return n;
  }

  get blackholed(): boolean {
    return this.network.blackholed;
  }

  /** Stops forwarding anything on every connection, current and new; nothing is closed. */
  blackhole(): void {
    this.network.blackholed = true;
    for (const c of this.connections) c.hold();
  }

  /** Ends a blackhole: what was held is forwarded, as a network that comes back delivers what it kept. */
  heal(): void {
    this.network.blackholed = false;
    for (const c of this.connections) c.resume();
  }

  /** Latency with jitter on every chunk from now on (`null` removes it). */
  setLatency(latency: LatencyFault | null): void {
    if (latency && (latency.minMs < 0 || latency.maxMs < latency.minMs)) throw new Error('bad latency range');
    this.network.latency = latency;
  }

  /** Bandwidth limit per connection and direction in bytes/s (`null` removes it). */
  setBandwidth(bytesPerSecond: number | null): void {
    if (bytesPerSecond !== null && !(bytesPerSecond > 0)) throw new Error('bandwidth must be positive');
    this.network.bytesPerSecond = bytesPerSecond;
    if (bytesPerSecond === null) for (const c of this.connections) c.resume();
  }

  /** Resets every open connection (RST both ways) inside its next server→client frame; resolves with the count. */
  async resetMidFrame(): Promise<number> {
    const open = [...this.connections].filter((c) => c.open);
    const cut = await Promise.all(open.map((c) => c.reset()));
    this.stats.resets += cut.length;
    this.stats.midFrameResets += cut.filter(Boolean).length;
    return cut.length;
  }

  /** Closes every open connection cleanly (FIN both ways). */
  closeAll(): number {
    const open = [...this.connections].filter((c) => c.open);
    for (const c of open) c.end();
    this.stats.cleanCloses += open.length;
    return open.length;
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const c of this.connections) {
      c.dispose();
      c.client.destroy();
      c.upstream.destroy();
    }
    this.connections.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, options: FaultProxyOptions): void {
    this.stats.accepted++;
    const upstream = connect({
      host: options.targetHost,
      port: options.targetPort,
      allowHalfOpen: true,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const connection = new ProxiedConnection(client, upstream, this.network);
    this.connections.add(connection);
    client.once('close', () => this.connections.delete(connection));
    if (this.network.blackholed) connection.hold();
  }
}
