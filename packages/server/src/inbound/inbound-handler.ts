import { describeIssues, type NamespaceName, type ValidationResult } from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { MetricsComponent, RateLimitComponent } from '../component-contracts.js';
import type { ConnectionManager } from '../connection-manager.js';
import { estimateBytes, hasBinary } from '../encoding/payload-size.js';
import type { Logger } from '../logger.js';
import type { ValidatedPayload } from '../validated-payload.js';
import { isWsError, WsError } from '../ws-error.js';

/** Passed to every handler: the socket plus a queue of work to run right after the ack is sent. */
export interface InboundContext {
  socket: Socket;
  namespace: NamespaceName;
  /** Runs `fn` synchronously after the ack (e.g. `subscription.confirmed`, snapshots), in the same tick. */
  afterAck(fn: () => void): void;
  /** Runs `fn` once the request is over, answered or failed (e.g. to release what `before` held for the handler). */
  finally(fn: () => void): void;
}

export type InboundHandlerFn<P, B = undefined> = (
  payload: P,
  ctx: InboundContext,
  prepared: B,
) => object | Promise<object>;

/** A validator plus its handler; build with `route()` so the payload type follows the schema. */
export interface InboundRoute {
  validator: { validate(value: unknown): ValidationResult<unknown> };
  handler: InboundHandlerFn<never, never>;
  /** The request may come with no payload (`emit(event, ack)`); it is validated as `{}`. */
  payloadOptional?: boolean;
  /** Async work before the handler (e.g. a cluster-wide reservation), so the handler itself can stay synchronous. */
  before?: (payload: never, ctx: InboundContext) => Promise<unknown>;
  /** Rate-limit points of a valid request (default 1), e.g. growing with the levels a snapshot sends. */
  cost?: (payload: never) => number;
}

/**
 * A route. A synchronous handler runs, acks and runs its `afterAck` work in one tick; put async work in
 * `before`, whose result the handler receives as `prepared`.
 */
export function route<V extends { validate(value: unknown): ValidationResult<unknown> }, B = undefined>(
  validator: V,
  handler: InboundHandlerFn<ValidatedPayload<V>, B>,
  options: {
    payloadOptional?: boolean;
    before?: (payload: ValidatedPayload<V>, ctx: InboundContext) => Promise<B>;
    cost?: (payload: ValidatedPayload<V>) => number;
  } = {},
): InboundRoute {
  return { validator, handler: handler as InboundHandlerFn<never, never>, ...options } as InboundRoute;
}

export interface InboundHandlerDeps {
  connections: ConnectionManager;
  metrics: MetricsComponent | undefined;
  rateLimit: RateLimitComponent | undefined;
  logger: Logger;
  /** Holds the socket's writes until the returned release (one system call for the ack and what follows it). */
  holdWrites?: (socket: Socket) => (() => void) | undefined;
  /** A request refused by the rate limit (before it was looked at). */
  onRateLimited?: (socket: Socket, namespace: NamespaceName, event: string) => void;
}

type Ack = (response: unknown) => void;

const MAX_EVENT_NAME_ECHO = 64;

type Dispatcher = (this: Socket, event: unknown, ...args: unknown[]) => void;

/**
 * The one path every client→server event takes: argument shape, binary refusal, rate limit, schema
 * validation, the handler, and a `{ ok: true, ...result }` or typed-error answer. Nothing a client sends
 * can throw out of here.
 */
export class InboundHandler {
  /** Per routes table and namespace, the one listener its sockets share (see `attach`). */
  private readonly dispatchers = new WeakMap<Record<string, InboundRoute>, Map<NamespaceName, Dispatcher>>();

  constructor(private readonly deps: InboundHandlerDeps) {}

  /**
   * Registers the routes on the socket, answering NOT_FOUND for any other event. One `onAny` listener per
   * routes table and namespace serves every socket (Socket.IO calls it with the socket as `this`): no
   * closures, listener entries or Set per connection. Pass the same routes object for every socket.
   */
  attach(socket: Socket, namespace: NamespaceName, routes: Record<string, InboundRoute>): void {
    let byNamespace = this.dispatchers.get(routes);
    if (!byNamespace) {
      byNamespace = new Map();
      this.dispatchers.set(routes, byNamespace);
    }
    let dispatch = byNamespace.get(namespace);
    if (!dispatch) {
      const table = new Map(Object.entries(routes));
      const handle = (s: Socket, event: string, route: InboundRoute | undefined, args: unknown[]) =>
        this.handle(s, namespace, event, route, args);
      dispatch = function (this: Socket, event: unknown, ...args: unknown[]): void {
        const route = typeof event === 'string' ? table.get(event) : undefined;
        void handle(this, route ? (event as string) : String(event).slice(0, MAX_EVENT_NAME_ECHO), route, args);
      };
      byNamespace.set(namespace, dispatch);
    }
    socket.onAny(dispatch);
  }

  private async handle(
    socket: Socket,
    namespace: NamespaceName,
    event: string,
    route: InboundRoute | undefined,
    args: unknown[],
  ): Promise<void> {
    const last = args.at(-1);
    const ack: Ack | undefined = typeof last === 'function' ? (last as Ack) : undefined;
    const params = ack ? args.slice(0, -1) : args;
    const after: (() => void)[] = [];
    const done: (() => void)[] = [];
    const bytes = estimateBytes(params);
    this.deps.connections.recordIn(socket.id, bytes);
    this.deps.metrics?.messageIn(namespace, route ? event : 'unknown', bytes);
    /** Charges the rate limit; false when the socket was disconnected for flooding. */
    const charge = async (points: number): Promise<boolean> => {
      if (!this.deps.rateLimit) return true;
      const verdict = await this.deps.rateLimit.consume(socket, points);
      if (verdict.ok) return true;
      this.deps.metrics?.rateLimited(namespace);
      this.deps.onRateLimited?.(socket, namespace, route ? event : 'unknown');
      if (verdict.disconnect) {
        socket.disconnect(true);
        return false;
      }
      throw new WsError('RATE_LIMITED', 'too many requests', { retryAfterMs: verdict.retryAfterMs });
    };
    try {
      // One point before anything is parsed, so junk is charged too; a costly valid request pays the rest below.
      if (!(await charge(1))) return;
      if (!socket.connected) return;
      if (!route) throw new WsError('NOT_FOUND', `unknown event ${JSON.stringify(event)}`);
      if (hasBinary(params)) throw new WsError('INVALID_PAYLOAD', 'binary attachments are not accepted');
      if (params.length > 1) {
        throw new WsError('INVALID_PAYLOAD', 'expected (payload, ack): the acknowledgement must be a function');
      }
      const payload = params.length === 0 && route.payloadOptional ? {} : params[0];
      const result = route.validator.validate(payload);
      if (!result.ok) {
        throw new WsError('INVALID_PAYLOAD', `invalid ${event} payload: ${describeIssues(result.errors)}`, {
          details: result.errors,
        });
      }
      const cost = route.cost ? route.cost(result.value as never) : 1;
      if (cost > 1 && !(await charge(cost - 1))) return;
      if (!socket.connected) return;
      const ctx: InboundContext = {
        socket,
        namespace,
        afterAck: (fn) => after.push(fn),
        finally: (fn) => done.push(fn),
      };
      const prepared = route.before ? await route.before(result.value as never, ctx) : undefined;
      const out = route.handler(result.value as never, ctx, prepared as never);
      const value = out instanceof Promise ? await out : out;
      // The ack and its follow-ups (confirmation, snapshots) leave in one write.
      const release = after.length > 0 ? this.deps.holdWrites?.(socket) : undefined;
      try {
        if (ack) this.reply(socket, ack, { ok: true, ...value });
        for (const fn of after) fn();
      } finally {
        release?.();
      }
    } catch (err) {
      const wsError = this.toWsError(err, socket, namespace, event);
      this.deps.metrics?.error(wsError.code, namespace);
      if (!socket.connected) return;
      if (ack) this.reply(socket, ack, wsError.toAck());
      else {
        const payload = { ...wsError.toPayload(), event };
        delete payload.details;
        this.deps.connections.recordOut(socket.id, estimateBytes(payload));
        socket.emit('error', payload);
      }
    } finally {
      for (const fn of done) fn();
    }
  }

  private reply(socket: Socket, ack: Ack, response: object): void {
    this.deps.connections.recordOut(socket.id, estimateBytes(response));
    ack(response);
  }

  private toWsError(err: unknown, socket: Socket, namespace: NamespaceName, event: string): WsError {
    if (isWsError(err)) return err;
    this.deps.logger.error({ err, socketId: socket.id, namespace, event }, 'inbound handler failed');
    return new WsError('INTERNAL', 'internal error', { cause: err });
  }
}
