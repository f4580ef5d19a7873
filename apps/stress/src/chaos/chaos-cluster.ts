import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../gateway/server-process.js';
import { mintToken } from '../gateway/token.js';
import { FaultProxy } from './fault-proxy.js';
import { GatewayNode } from './gateway-node.js';
import { type NginxProcess, startNginx } from './nginx-process.js';
import { type PersistentRedis, startPersistentRedis } from './persistent-redis.js';
import { PublisherProcess } from './publisher-process.js';

export interface ChaosClusterOptions {
  nodes: number;
  /** Fault proxies, each with its own source address (127.0.<n>.1), so `ip_hash` spreads them over the nodes. */
  lanes: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  userIds: readonly string[];
  priceSymbol: string;
  bookSymbol: string;
  privatePerSecond: number;
  publicPerSecond: number;
}

/** A free loopback port that is not the shared Redis'. */
async function port(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p !== 6379 && p !== 0) return p;
  }
}

/**
 * Everything of a chaos run but the clients, each a real process or socket on loopback: a Redis with
 * AOF, gateways started by their own start script, nginx with the project's config, one fault proxy per
 * lane in front of nginx, and the publisher process posting to the publish API through nginx.
 */
export class ChaosCluster {
  readonly secret = randomBytes(32).toString('hex');
  readonly nodes: GatewayNode[] = [];
  readonly lanes: FaultProxy[] = [];
  redis: PersistentRedis | undefined;
  nginx: NginxProcess | undefined;
  publisher: PublisherProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'ws-chaos-'));
  /** Its own directory, not under `dir`: nginx may run as another user, who needs to reach it. */
  private readonly nginxDir = mkdtempSync(join(tmpdir(), 'ws-chaos-nginx-'));

  constructor(readonly options: ChaosClusterOptions) {}

  async start(): Promise<void> {
    // Its process loads while the rest starts; it publishes once nginx is up.
    const publisher = PublisherProcess.spawn();
    this.publisher = publisher;
    this.redis = await startPersistentRedis(await port(), join(this.dir, 'redis'));
    for (let i = 0; i < this.options.nodes; i++) {
      this.nodes.push(
        new GatewayNode({
          nodeId: `gw-${i + 1}`,
          port: await port(),
          env: {
            WS_JWT_SECRET: this.secret,
            REDIS_URL: this.redis.url,
            WS_DEMO_FEED: '0',
            // The run reads who disconnected and why from the per-connection lines, which are debug.
            LOG_LEVEL: 'debug',
            WS_PING_INTERVAL: String(this.options.pingIntervalMs),
            WS_PING_TIMEOUT: String(this.options.pingTimeoutMs),
            // Behind nginx: the handshake limit keys on the client's address from X-Forwarded-For.
            WS_TRUST_PROXY: '1',
            WS_HANDSHAKE_RATE_LIMIT_POINTS: '1000000',
            WS_SHUTDOWN_DEADLINE_MS: '2000',
          },
        }),
      );
    }
    // Started together: on a busy machine each takes seconds of CPU to load.
    await Promise.all(this.nodes.map((n) => n.start()));
    const nginxPort = await port();
    this.nginx = await startNginx({
      listenPort: nginxPort,
      upstreamPorts: this.nodes.map((n) => n.options.port),
      dir: this.nginxDir,
    });
    for (let i = 0; i < this.options.lanes; i++) {
      this.lanes.push(
        await FaultProxy.start({ targetHost: '127.0.0.1', targetPort: nginxPort, localAddress: `127.0.${i + 1}.1` }),
      );
    }
    await publisher.begin({
      url: this.nginx.url,
      token: await this.token('chaos-publisher', 'service'),
      userIds: this.options.userIds,
      priceSymbols: [this.options.priceSymbol],
      bookSymbol: this.options.bookSymbol,
      privatePerSecond: this.options.privatePerSecond,
      publicPerSecond: this.options.publicPerSecond,
    });
  }

  token(userId: string, role: 'user' | 'service' = 'user'): Promise<string> {
    return mintToken(this.secret, { userId, role, ttlSec: 3_600 });
  }

  /** The node whose connection log says it holds `userId`'s `/user` connection. */
  nodeOf(userId: string): GatewayNode | undefined {
    return this.nodes.find((n) => n.running && n.holds(userId));
  }

  async stop(): Promise<void> {
    await this.publisher?.stop().catch(() => undefined);
    for (const lane of this.lanes) await lane.close();
    await this.nginx?.stop();
    await Promise.all(this.nodes.map((n) => n.stop(2_000)));
    await this.redis?.stop();
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.nginxDir, { recursive: true, force: true });
  }
}
