import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { startGatewayProcess } from '../gateway/gateway-process.js';
import type { ServerProcess } from '../gateway/server-process.js';
import { mintToken } from '../gateway/token.js';
import { createHistogram, type LatencySummary, recordMicros, summarize } from '../measure/histogram.js';
import { assertLoopbackUrl } from '../run/loopback.js';

/**
 * The snapshot-amplification attack of issue #13 as a scenario: anonymous `/market` connections request
 * `market.snapshot` of a book with thousands of levels a side at a fraction of their rate limit, while a
 * healthy client pings and reads a price stream. Reports the healthy client's ping p99 and the longest
 * gap of its stream; the goal is p99 < 50 ms and no gap over 1 s.
 */
export interface SnapshotFloodOptions {
  /** Attacking connections (anonymous, one IP). */
  attackers: number;
  /** Levels per side of the attacked book. */
  levels: number;
  /** Requests per second per attacker. */
  ratePerAttacker: number;
  /** `depth` the attackers ask for; undefined = the protocol default. */
  depth: number | undefined;
  durationSec: number;
  /** Prices the healthy client's stream carries per second. */
  streamRate: number;
}

export interface SnapshotFloodReport {
  options: SnapshotFloodOptions;
  ping: LatencySummary;
  /** Longest time between two `price.update`s of the healthy client (ms). */
  longestGapMs: number;
  pricesReceived: number;
  snapshotsAnswered: number;
  snapshotsRefused: number;
  snapshotBytes: number;
  goalMet: boolean;
}

const BOOK = 'BTC/USDT';
const STREAM = 'ETH/USDT';

function connect(url: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 20_000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

async function publish(url: string, token: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}/api/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
}

/** Runs the attack against a gateway at `url` whose JWT secret is `secret` (loopback only). */
export async function runSnapshotFlood(
  url: string,
  secret: string,
  options: SnapshotFloodOptions,
): Promise<SnapshotFloodReport> {
  assertLoopbackUrl(url);
  const service = await mintToken(secret, { userId: 'snapshot-flood', role: 'service', ttlSec: 3600 });
  const side = (base: number, step: number) =>
    Array.from({ length: options.levels }, (_, i) => [(base + step * i).toFixed(2), String((i % 9) + 1)]);
  await publish(url, service, {
    event: 'market.depth',
    data: { symbol: BOOK, type: 'snapshot', bids: side(50_000, -0.01), asks: side(50_000.01, 0.01) },
  });

  const healthyPrices = await connect(`${url}/prices`);
  const healthyMarket = await connect(`${url}/market`);
  const attackers = await Promise.all(Array.from({ length: options.attackers }, () => connect(`${url}/market`)));
  await healthyPrices.timeout(10_000).emitWithAck('subscribe', { symbols: [STREAM] });

  const pings = createHistogram();
  let lastPrice = 0;
  let longestGapMs = 0;
  let pricesReceived = 0;
  let measuring = false;
  healthyPrices.on('price.update', () => {
    const now = performance.now();
    if (measuring && lastPrice > 0) longestGapMs = Math.max(longestGapMs, now - lastPrice);
    lastPrice = now;
    pricesReceived++;
  });

  let snapshotsAnswered = 0;
  let snapshotsRefused = 0;
  let snapshotBytes = 0;
  const timers: NodeJS.Timeout[] = [];
  const request = options.depth === undefined ? { symbol: BOOK } : { symbol: BOOK, depth: options.depth };
  for (const attacker of attackers) {
    timers.push(
      setInterval(() => {
        attacker.emit('market.snapshot', request, (ack: { ok: boolean; depth?: { bids: unknown[] } }) => {
          if (ack.ok) {
            snapshotsAnswered++;
            snapshotBytes += (ack.depth?.bids.length ?? 0) * 2;
          } else snapshotsRefused++;
        });
      }, 1000 / options.ratePerAttacker),
    );
  }
  let price = 3000;
  timers.push(
    setInterval(() => {
      price = price >= 3100 ? 3000 : price + 0.5;
      void publish(url, service, {
        event: 'price.update',
        data: { symbol: STREAM, price, bid: price - 0.5, ask: price + 0.5, volume: 1 },
      }).catch(() => undefined);
    }, 1000 / options.streamRate),
  );
  timers.push(
    setInterval(() => {
      const started = performance.now();
      healthyMarket
        .timeout(30_000)
        .emitWithAck('ping', {})
        .then(() => {
          if (measuring) recordMicros(pings, (performance.now() - started) * 1000);
        })
        .catch(() => undefined);
    }, 100),
  );

  // One second of warm-up, then the measured run.
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  lastPrice = performance.now();
  await new Promise((r) => setTimeout(r, options.durationSec * 1000));
  measuring = false;
  for (const timer of timers) clearInterval(timer);
  for (const s of [healthyPrices, healthyMarket, ...attackers]) s.close();

  const ping = summarize(pings);
  pings.destroy();
  return {
    options,
    ping,
    longestGapMs: Math.round(longestGapMs),
    pricesReceived,
    snapshotsAnswered,
    snapshotsRefused,
    snapshotBytes,
    goalMet: ping.count > 0 && ping.p99 < 50 && longestGapMs <= 1000,
  };
}

/** `pnpm ws:stress:snapshot-flood`: starts a gateway process, runs the attack, prints the report; exit 2 if the goal is missed. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      attackers: { type: 'string', default: '60' },
      levels: { type: 'string', default: '5000' },
      rate: { type: 'string', default: '10' },
      depth: { type: 'string' },
      duration: { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
    },
  });
  const options: SnapshotFloodOptions = {
    attackers: Number(values.attackers),
    levels: Math.min(5000, Number(values.levels)),
    // A tenth of /market's default limit of 100 events/s.
    ratePerAttacker: Number(values.rate),
    depth: values.depth === undefined ? undefined : Number(values.depth),
    durationSec: Math.min(600, Number(values.duration)),
    streamRate: 20,
  };
  let gateway: ServerProcess | undefined;
  let url = values.url;
  let secret = values.secret;
  try {
    if (url === undefined) {
      secret = randomBytes(32).toString('hex');
      gateway = await startGatewayProcess({ jwtSecret: secret });
      url = gateway.url;
    }
    if (secret === undefined) throw new Error('--secret (the gateway WS_JWT_SECRET) is required with --url');
    const report = await runSnapshotFlood(url, secret, options);
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(
        [
          `snapshot flood: ${options.attackers} anonymous /market connections x ${options.ratePerAttacker} market.snapshot/s on a ${options.levels}-level book (depth ${options.depth ?? 'default'}), ${options.durationSec} s`,
          `  healthy client ping: p50 ${report.ping.p50} ms, p99 ${report.ping.p99} ms, max ${report.ping.max} ms (${report.ping.count} pings)`,
          `  healthy client price stream: longest gap ${report.longestGapMs} ms (${report.pricesReceived} updates)`,
          `  snapshots answered ${report.snapshotsAnswered}, refused ${report.snapshotsRefused}`,
          `  goal (ping p99 < 50 ms, no gap over 1 s): ${report.goalMet ? 'met' : 'MISSED'}`,
        ].join('\n'),
      );
    }
    return report.goalMet ? 0 : 2;
  } finally {
    await gateway?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
