import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { isMarketSymbol, MARKET_CHANNELS, type MarketChannel } from '@ws/protocol';
import type { StreamNamespace } from '../clients/lean-client.js';
import type { ClientMode } from '../workers/worker-protocol.js';
import { assertLoopbackUrl } from './loopback.js';

/** Limits that fail the run (exit code 2) so it can gate a deploy. */
export interface Thresholds {
  /** Largest acceptable end-to-end p99 latency (ms). */
  maxP99Ms?: number;
  /** Largest acceptable error rate (errors / operations). */
  maxErrorRate?: number;
  /** Smallest acceptable delivered messages per second over the run. */
  minMessagesPerSec?: number;
  /** Largest acceptable p99 connection time (ms). */
  maxConnectP99Ms?: number;
  /** Largest acceptable number of seq gaps. */
  maxGaps?: number;
  /** Largest acceptable number of refused or failed connections (default 0: any refusal fails the run). */
  maxRefusedConnections?: number;
}

export interface StressOptions {
  /** Gateway base URL (loopback unless `--allow-remote`). */
  url: string;
  clients: number;
  /** Measured run time after the clients are connected (s). */
  durationSec: number;
  /** Connects are spread over this many seconds (0: as fast as `concurrency` allows). */
  rampUpSec: number;
  namespaces: StreamNamespace[];
  symbols: string[];
  /** Symbols each client subscribes (dealt round-robin); 0 = all of them. */
  symbolsPerClient: number;
  channels: MarketChannel[];
  /** Items/s the tool publishes through `POST /api/v1/publish`; 0 listens to the gateway's demo feed. */
  publishRate: number;
  /** HS256 secret to mint user tokens (and the publisher's service token). */
  tokenSecret: string | undefined;
  jsonPath: string | undefined;
  mode: ClientMode;
  workers: number;
  /** Connects in flight per worker thread. */
  concurrency: number;
  timeoutMs: number;
  metricsUrl: string | null;
  metricsIntervalMs: number;
  progressIntervalMs: number;
  thresholds: Thresholds;
}

export const USAGE = `Usage: pnpm ws:stress [options]   (env: NUM_CLIENTS, TEST_DURATION, WS_URL, WS_JWT_SECRET)

  --url <url>                 gateway, loopback only (default http://127.0.0.1:3000)
  --allow-remote              allow a non-loopback --url (http/https/ws/wss), e.g. staging you may load
  --clients <n>               simulated clients (default NUM_CLIENTS or 100)
  --duration <s>              measured seconds once connected (default TEST_DURATION or 60)
  --ramp-up <s>               spread the connects over this many seconds (default 0)
  --namespaces <list>         prices,market,user (default prices)
  --symbols <list>            symbols (default BTC/USDT,ETH/USDT)
  --symbols-per-client <n>    symbols per client, dealt round-robin; 0 = all (default 0)
  --channels <list>           /market channels: ${MARKET_CHANNELS.join(',')} (default ticker)
  --publish-rate <n>          publish n events/s through the gateway's publish API (needs --token-secret);
                              0 listens to the demo feed (default 0)
  --token-secret <secret>     HS256 secret (WS_JWT_SECRET): mints a token per client and the publisher's
  --json <file>               also write the report as JSON
  --lean                      lean protocol client instead of the SDK (cheaper; one connection per namespace)
  --workers <n>               load-generator threads (default 1, or up to the cores for 500+ clients)
  --concurrency <n>           connects in flight per thread (default 50)
  --timeout <ms>              per-client connect+subscribe bound (default 10000)
  --metrics-url <url|none>    gateway /metrics to sample CPU and memory (default <url>/metrics)
  --metrics-interval <ms>     (default 1000)
  --progress-interval <ms>    live line period (default 1000)
  --max-p99 <ms>  --max-error-rate <ratio>  --min-msg-rate <n>  --max-connect-p99 <ms>  --max-gaps <n>
                              thresholds: breaking one exits with code 2
  --max-refused <n>           connections the target may refuse or fail (default 0: any refusal exits 2)
`;

/** A bad flag or value; the CLI prints it with the usage and exits 64. */
export class UsageError extends Error {}

function num(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function int(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  const n = num(name, raw, fallback, min, max);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

function optional(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  return raw === undefined ? undefined : num(name, raw, 0, min, max);
}

function list(raw: string | undefined, fallback: string[]): string[] {
  if (raw === undefined) return fallback;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parses flags (and the seed's env variables) into validated options; throws UsageError. */
export function parseStressOptions(argv: string[], env: Record<string, string | undefined>): StressOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        clients: { type: 'string' },
        duration: { type: 'string' },
        'ramp-up': { type: 'string' },
        namespaces: { type: 'string' },
        symbols: { type: 'string' },
        'symbols-per-client': { type: 'string' },
        channels: { type: 'string' },
        'publish-rate': { type: 'string' },
        'token-secret': { type: 'string' },
        json: { type: 'string' },
        lean: { type: 'boolean' },
        workers: { type: 'string' },
        concurrency: { type: 'string' },
        timeout: { type: 'string' },
        'metrics-url': { type: 'string' },
        'metrics-interval': { type: 'string' },
        'progress-interval': { type: 'string' },
        'max-p99': { type: 'string' },
        'max-error-rate': { type: 'string' },
        'min-msg-rate': { type: 'string' },
        'max-connect-p99': { type: 'string' },
        'max-gaps': { type: 'string' },
        'max-refused': { type: 'string' },
        'allow-remote': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return 'help';
  const s = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);

  const allowRemote = values['allow-remote'] === true;
  const url = assertLoopbackUrl(s('url') ?? env.WS_URL ?? 'http://127.0.0.1:3000', allowRemote).origin;
  const clients = int('clients', s('clients') ?? env.NUM_CLIENTS, 100, 1, 200_000);
  const durationSec = num('duration', s('duration') ?? env.TEST_DURATION, 60, 1, 86_400);
  const namespaces = list(s('namespaces'), ['prices']).map((n) => (n.startsWith('/') ? n : `/${n}`));
  for (const n of namespaces) {
    if (n !== '/prices' && n !== '/market' && n !== '/user')
      throw new UsageError(`--namespaces: unknown namespace ${n} (prices, market, user)`);
  }
  const symbols = list(s('symbols'), ['BTC/USDT', 'ETH/USDT']);
  const bad = symbols.filter((x) => !isMarketSymbol(x));
  if (symbols.length === 0 || bad.length > 0)
    throw new UsageError(`--symbols must be BASE/QUOTE symbols, bad: ${bad.join(',')}`);
  const channels = list(s('channels'), ['ticker']);
  for (const c of channels) {
    if (!(MARKET_CHANNELS as readonly string[]).includes(c)) throw new UsageError(`--channels: unknown channel ${c}`);
  }
  const tokenSecret = s('token-secret') ?? env.WS_JWT_SECRET;
  const publishRate = num('publish-rate', s('publish-rate'), 0, 0, 1_000_000);
  if (publishRate > 0 && !tokenSecret)
    throw new UsageError('--publish-rate needs --token-secret (the publish API needs a service token)');
  if (namespaces.includes('/user') && !tokenSecret)
    throw new UsageError('--namespaces user needs --token-secret to mint user tokens');
  const metricsRaw = s('metrics-url');
  const metricsUrl = metricsRaw === 'none' ? null : assertLoopbackUrl(metricsRaw ?? `${url}/metrics`, allowRemote).href;
  const defaultWorkers = clients >= 500 ? Math.min(4, availableParallelism()) : 1;
  const thresholds: Thresholds = {};
  const maxP99Ms = optional('max-p99', s('max-p99'), 0, 3_600_000);
  if (maxP99Ms !== undefined) thresholds.maxP99Ms = maxP99Ms;
  const maxErrorRate = optional('max-error-rate', s('max-error-rate'), 0, 1);
  if (maxErrorRate !== undefined) thresholds.maxErrorRate = maxErrorRate;
  const minMessagesPerSec = optional('min-msg-rate', s('min-msg-rate'), 0, 1e9);
  if (minMessagesPerSec !== undefined) thresholds.minMessagesPerSec = minMessagesPerSec;
  const maxConnectP99Ms = optional('max-connect-p99', s('max-connect-p99'), 0, 3_600_000);
  if (maxConnectP99Ms !== undefined) thresholds.maxConnectP99Ms = maxConnectP99Ms;
  const maxGaps = optional('max-gaps', s('max-gaps'), 0, 1e12);
  if (maxGaps !== undefined) thresholds.maxGaps = maxGaps;
  // Refusals always count: a run where the target turned clients away did not measure what was asked.
  thresholds.maxRefusedConnections = optional('max-refused', s('max-refused'), 0, 1e9) ?? 0;

  return {
    url,
    clients,
    durationSec,
    rampUpSec: num('ramp-up', s('ramp-up'), 0, 0, 3600),
    namespaces: namespaces as StreamNamespace[],
    symbols,
    symbolsPerClient: int('symbols-per-client', s('symbols-per-client'), 0, 0, 1000),
    channels: channels as MarketChannel[],
    publishRate,
    tokenSecret,
    jsonPath: s('json'),
    mode: values.lean ? 'lean' : 'sdk',
    workers: int('workers', s('workers'), defaultWorkers, 1, 64),
    concurrency: int('concurrency', s('concurrency'), 50, 1, 10_000),
    timeoutMs: int('timeout', s('timeout'), 10_000, 100, 600_000),
    metricsUrl,
    metricsIntervalMs: int('metrics-interval', s('metrics-interval'), 1000, 100, 60_000),
    progressIntervalMs: int('progress-interval', s('progress-interval'), 1000, 100, 60_000),
    thresholds,
  };
}
