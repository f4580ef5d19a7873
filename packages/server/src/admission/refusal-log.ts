import type { ErrorCode } from '@ws/protocol';
import type { Logger } from '../logger.js';
import { WsConfigError } from '../ws-config-error.js';

/** One refused connection or request: who, where and why. */
export interface Refusal {
  code: ErrorCode;
  /** `null` when refused at the Engine.IO request, before the client named a namespace. */
  namespace: string | null;
  /** `null` where Socket.IO does not tell (a connect to an undeclared namespace). */
  ip: string | null;
  userId: string | null;
  /** The message the client was given. */
  reason: string;
  /** The request's event (refused requests). */
  event?: string;
  /** The browser origin (origin refusals). */
  origin?: string;
}

export interface RefusalLogOptions {
  /** Lines per code that may be written at once. */
  burst: number;
  /** Lines per code and second the budget refills by. */
  perSecond: number;
  /** How long after the first suppressed line a `suppressed` summary is written if no line carried it (ms). */
  summaryAfterMs: number;
  /** Clock in epoch ms; injectable for tests. */
  now?: () => number;
}

export const defaultRefusalLogOptions: RefusalLogOptions = Object.freeze({
  burst: 20,
  perSecond: 1,
  summaryAfterMs: 10_000,
});

/** The bucket of one kind and code; at most (2 kinds × error codes) of them. */
interface Bucket {
  tokens: number;
  updatedAt: number;
  suppressed: number;
  summary: NodeJS.Timeout | undefined;
}

type Kind = 'connection' | 'request';
const MESSAGES: Record<Kind, string> = { connection: 'connection refused', request: 'request refused' };

/**
 * Writes refusals to the log with code, IP, namespace and user, under a token bucket per code so a flood
 * (one attacker, or a reconnect storm) writes at most `burst` lines and then `perSecond` lines a second: what
 * it held back is reported as `suppressed` on the code's next line, or in a summary line soon after.
 */
export class RefusalLog {
  readonly #logger: Logger;
  readonly #options: RefusalLogOptions;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(logger: Logger, options: Partial<RefusalLogOptions> = {}) {
    this.#logger = logger;
    this.#options = { ...defaultRefusalLogOptions, ...options };
    this.#now = options.now ?? Date.now;
    const { burst, perSecond, summaryAfterMs } = this.#options;
    if (!Number.isInteger(burst) || burst < 1) throw new WsConfigError('refusalLog.burst', 'must be an integer >= 1');
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
      throw new WsConfigError('refusalLog.perSecond', 'must be a finite number > 0');
    }
    if (!(summaryAfterMs > 0)) throw new WsConfigError('refusalLog.summaryAfterMs', 'must be > 0');
  }

  /** A refused connection (handshake, namespace connect). */
  connection(refusal: Refusal): void {
    this.#write('connection', refusal);
  }

  /** A refused request of a connected client (rate limit). */
  request(refusal: Refusal): void {
    this.#write('request', refusal);
  }

  /** Writes the pending `suppressed` summaries now (also done by a timer). */
  flush(): void {
    for (const [key, bucket] of this.#buckets) this.#summarize(key, bucket);
  }

  /** Writes what is pending and stops the timers. */
  close(): void {
    this.flush();
  }

  #write(kind: Kind, refusal: Refusal): void {
    const key = `${kind}:${refusal.code}`;
    const bucket = this.#bucket(key);
    if (bucket.tokens < 1) {
      bucket.suppressed++;
      if (bucket.summary === undefined) {
        bucket.summary = setTimeout(() => this.#summarize(key, bucket), this.#options.summaryAfterMs);
        bucket.summary.unref();
      }
      return;
    }
    bucket.tokens -= 1;
    const suppressed = bucket.suppressed;
    bucket.suppressed = 0;
    const line = {
      code: refusal.code,
      namespace: refusal.namespace,
      ip: refusal.ip,
      userId: refusal.userId,
      reason: refusal.reason,
      ...(refusal.event === undefined ? {} : { event: refusal.event }),
      ...(refusal.origin === undefined ? {} : { origin: refusal.origin }),
      ...(suppressed > 0 ? { suppressed } : {}),
    };
    this.#logger.warn(line, MESSAGES[kind]);
  }

  #summarize(key: string, bucket: Bucket): void {
    clearTimeout(bucket.summary);
    bucket.summary = undefined;
    if (bucket.suppressed === 0) return;
    const [kind, code] = key.split(':') as [Kind, string];
    this.#logger.warn({ code, suppressed: bucket.suppressed }, `${MESSAGES[kind]} (suppressed lines)`);
    bucket.suppressed = 0;
  }

  #bucket(key: string): Bucket {
    const now = this.#now();
    const { burst, perSecond } = this.#options;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: burst, updatedAt: now, suppressed: 0, summary: undefined };
      this.#buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(burst, bucket.tokens + (elapsed / 1000) * perSecond);
    bucket.updatedAt = now;
    return bucket;
  }
}
