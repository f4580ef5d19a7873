import { describeIssues, type NamespaceName, type ValidationResult } from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { MetricsComponent, RateLimitComponent, RateLimitVerdict } from '../component-contracts.js';
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
  /**
   * Work before the handler (e.g. a cluster-wide reservation), so the handler itself can stay synchronous; a
   * value instead of a promise when it has nothing to wait for (the request then stays synchronous).
   */
  before?: (payload: never, ctx: InboundContext) => unknown;
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
    before?: (payload: ValidatedPayload<V>, ctx: InboundContext) => B | Promise<B>;
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
 * One request in flight, and the handler's `InboundContext`: the follow-up queues live on it (allocated only
 * when used) and its methods are on the prototype, so a request costs one object, not a context and closures.
 */
class InboundRequest implements InboundContext {
  after: (() => void)[] | undefined;
  done: (() => void)[] | undefined;

  constructor(
    readonly socket: Socket,
    readonly namespace: NamespaceName,
    readonly event: string,
    readonly route: InboundRoute | undefined,
    readonly ack: Ack | undefined,
    readonly params: unknown[],
  ) {}

  afterAck(fn: () => void): void {
    if (this.after === undefined) this.after = [fn];
    else this.after.push(fn);
  }

  finally(fn: () => void): void {
    if (this.done === undefined) this.done = [fn];
    else this.done.push(fn);
  }
}

/** How far a request got synchronously before it had to wait (where `continue` picks it up). */
const Stage = {
  /** Nothing charged yet: the rate limiter answers asynchronously. */
  Start: 0,
  /** One point charged and the payload validated; the rest of its cost is charged asynchronously. */
  Cost: 1,
  /** Charged in full; `before` is pending. */
  Before: 2,
  /** The handler is pending. */
  Handler: 3,
} as const;
type Stage = (typeof Stage)[keyof typeof Stage];

/**
 * The one path every client→server event takes: argument shape, binary refusal, rate limit, schema
 * validation, the handler, and a `{ ok: true, ...result }` or typed-error answer. Nothing a client sends
 * can throw out of here. A request whose rate limit, `before` and handler all answer at once (the memory
 * limiter, a local subscribe) runs in one synchronous call, without a promise; the first step that returns a
 * promise hands the rest to the same steps, awaited.
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
        handle(this, route ? (event as string) : String(event).slice(0, MAX_EVENT_NAME_ECHO), route, args);
      };
      byNamespace.set(namespace, dispatch);
    }
    socket.onAny(dispatch);
  }

  private handle(
    socket: Socket,
    namespace: NamespaceName,
    event: string,
    route: InboundRoute | undefined,
    args: unknown[],
  ): void {
    const last = args[args.length - 1];
    const ack: Ack | undefined = typeof last === 'function' ? (last as Ack) : undefined;
    const params = ack ? args.slice(0, -1) : args;
    const bytes = estimateBytes(params);
    this.deps.connections.recordIn(socket.id, bytes);
    this.deps.metrics?.messageIn(namespace, route ? event : 'unknown', bytes);
    const req = new InboundRequest(socket, namespace, event, route, ack, params);
    let waiting = false;
    try {
      // One point before anything is parsed, so junk is charged too; a costly valid request pays the rest below.
      const charged = this.chargeNow(req, 1);
      if (charged === undefined) {
        waiting = true;
        void this.continue(req, Stage.Start, undefined, undefined);
        return;
      }
      if (!charged || !socket.connected) return;
      const value = this.validate(req);
      const cost = req.route?.cost ? req.route.cost(value as never) : 1;
      if (cost > 1) {
        const rest = this.chargeNow(req, cost - 1);
        if (rest === undefined) {
          waiting = true;
          void this.continue(req, Stage.Cost, value, undefined);
          return;
        }
        if (!rest) return;
      }
      if (!socket.connected) return;
      const prepared = req.route?.before ? req.route.before(value as never, req) : undefined;
      if (prepared instanceof Promise) {
        waiting = true;
        void this.continue(req, Stage.Before, value, prepared);
        return;
      }
      const out = (req.route as InboundRoute).handler(value as never, req, prepared as never);
      if (out instanceof Promise) {
        waiting = true;
        void this.continue(req, Stage.Handler, value, out);
        return;
      }
      this.answer(req, out);
    } catch (err) {
      this.fail(req, err);
    } finally {
      if (!waiting) this.end(req);
    }
  }

  /** The rest of a request from `stage` on, awaiting what `handle` could not answer at once. */
  private async continue(req: InboundRequest, stage: Stage, validated: unknown, pending: unknown): Promise<void> {
    const { socket } = req;
    try {
      let value = validated;
      let step = pending;
      if (stage === Stage.Start) {
        if (!(await this.charge(req, 1))) return;
        if (!socket.connected) return;
        value = this.validate(req);
      }
      if (stage <= Stage.Cost) {
        const cost = req.route?.cost ? req.route.cost(value as never) : 1;
        if (cost > 1 && !(await this.charge(req, cost - 1))) return;
        if (!socket.connected) return;
        step = req.route?.before ? req.route.before(value as never, req) : undefined;
      }
      if (stage <= Stage.Before) {
        const prepared = step instanceof Promise ? await step : step;
        step = (req.route as InboundRoute).handler(value as never, req, prepared as never);
      }
      this.answer(req, step instanceof Promise ? await step : (step as object));
    } catch (err) {
      this.fail(req, err);
    } finally {
      this.end(req);
    }
  }

  /**
   * Charges the rate limit at once when the limiter can answer synchronously: true when charged, false when
   * the socket was disconnected for flooding, undefined when only the asynchronous `charge` can tell. Throws
   * RATE_LIMITED when refused.
   */
  private chargeNow(req: InboundRequest, points: number): boolean | undefined {
    const rateLimit = this.deps.rateLimit;
    if (!rateLimit) return true;
    if (!rateLimit.consumeNow) return undefined;
    const verdict = rateLimit.consumeNow(req.socket, points);
    return verdict === undefined ? undefined : this.judge(req, verdict);
  }

  /** Charges the rate limit; false when the socket was disconnected for flooding. */
  private async charge(req: InboundRequest, points: number): Promise<boolean> {
    if (!this.deps.rateLimit) return true;
    return this.judge(req, await this.deps.rateLimit.consume(req.socket, points));
  }

  private judge(req: InboundRequest, verdict: RateLimitVerdict): boolean {
    if (verdict.ok) return true;
    const { socket, namespace } = req;
    this.deps.metrics?.rateLimited(namespace);
    this.deps.onRateLimited?.(socket, namespace, req.route ? req.event : 'unknown');
    if (verdict.disconnect) {
      socket.disconnect(true);
      return false;
    }
    throw new WsError('RATE_LIMITED', 'too many requests', { retryAfterMs: verdict.retryAfterMs });
  }

  /** The route, the argument shape and the payload against its schema; the validated payload or a typed error. */
  private validate(req: InboundRequest): unknown {
    const { route, params, event } = req;
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
    return result.value;
  }

  /** The ack and its follow-ups (confirmation, snapshots), in one write. */
  private answer(req: InboundRequest, value: object): void {
    const { socket, ack, after } = req;
    const release = after !== undefined ? this.deps.holdWrites?.(socket) : undefined;
    try {
      if (ack) this.reply(socket, ack, { ok: true, ...value });
      if (after !== undefined) for (const fn of after) fn();
    } finally {
      release?.();
    }
  }

  private fail(req: InboundRequest, err: unknown): void {
    const { socket, namespace, event, ack } = req;
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
  }

  /** Runs what the request's `finally` queued, answered or failed. */
  private end(req: InboundRequest): void {
    if (req.done !== undefined) for (const fn of req.done) fn();
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
