import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TEST_SECRET } from '@ws/test-support';
import { type GatewayProcess, startGatewayProcess } from '@ws/test-support/gateway';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildGateway, removeGatewayBuild } from './helpers/gateway-build.js';

const run = promisify(execFile);
let gateway: GatewayProcess | undefined;
afterAll(removeGatewayBuild);

// No Docker engine runs in CI: these checks keep the container files' essentials from rotting.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

/** Dockerfile instructions of one stage at a time, continuation lines joined. */
function stages(dockerfile: string): { from: string; instructions: string[] }[] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const out: { from: string; instructions: string[] }[] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) out.push({ from: line, instructions: [] });
    else out.at(-1)?.instructions.push(line);
  }
  return out;
}

describe('apps/gateway/Dockerfile', () => {
  const dockerfile = read('apps/gateway/Dockerfile');
  const all = stages(dockerfile);
  const runtime = all.at(-1);
  const instruction = (name: string) =>
    runtime?.instructions.filter((i) => new RegExp(`^${name}\\s`, 'i').test(i)) ?? [];
  const execForm = (line: string | undefined) => JSON.parse((line ?? '').replace(/^\w+\s+/, '')) as string[];

  it('is multi-stage: the build stage bundles, the runtime stage copies only from it', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/pnpm\s+(--filter\s+\S+\s+)*--filter\s+@ws\/gateway\s+build/);
    const copies = instruction('COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) expect(copy).toMatch(/^COPY\s+--from=build\s/i);
  });

  it('runs as a non-root user, exposes 3000 and checks /healthz', () => {
    const user = instruction('USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
    expect(runtime?.instructions).toContain('EXPOSE 3000');
    expect(instruction('HEALTHCHECK')[0]).toMatch(/\/healthz/);
  });

  it('runs node directly under tini, as the start:prod script does, without a package manager', () => {
    const entrypoint = execForm(instruction('ENTRYPOINT').at(-1));
    expect(entrypoint).toEqual(['/usr/bin/tini', '--']);
    expect(instruction('RUN').some((r) => /apt-get install[^&]*\btini\b/.test(r))).toBe(true);
    const pkg = JSON.parse(read('apps/gateway/package.json')) as { scripts: Record<string, string> };
    const cmd = execForm(instruction('CMD').at(-1));
    expect(cmd[0]).toBe('node');
    expect(['exec', ...cmd].join(' ')).toBe(pkg.scripts['start:prod']);
  });

  it("the runtime stage's files alone run the gateway, and its HEALTHCHECK passes", async () => {
    // No container engine here: lay the runtime stage's COPYs out in a directory, as the image would have them,
    // and start its CMD there with its ENV. A file the bundle needs but the image lacks fails this.
    const bundle = await buildGateway();
    await run('pnpm', ['--silent', '--filter', '@ws/console', 'build', '--logLevel', 'warn'], { cwd: root });
    const image = await mkdtemp(join(tmpdir(), 'ws-gateway-image-'));
    try {
      for (const copy of instruction('COPY')) {
        const [, source = '', target = ''] = /^COPY\s+--from=build\s+(\S+)\s+(\S+)$/i.exec(copy) ?? [];
        expect(source.startsWith('/repo/'), copy).toBe(true);
        const from = source === '/repo/apps/gateway/dist' ? bundle : `${root}${source.slice('/repo/'.length)}`;
        await cp(from, join(image, target), { recursive: true });
      }
      const workdir = join(image, (instruction('WORKDIR').at(-1) ?? '').replace(/^WORKDIR\s+/i, ''));
      const env: Record<string, string> = {};
      for (const line of instruction('ENV')) {
        for (const m of line.replace(/^ENV\s+/i, '').matchAll(/(\w+)=(\S+)/g)) env[m[1] ?? ''] = m[2] ?? '';
      }
      expect(env['NODE_ENV']).toBe('production');
      const [node, ...args] = execForm(instruction('CMD').at(-1));
      expect(node).toBe('node');
      gateway = await startGatewayProcess(
        { ...env, WS_PORT: '0', WS_HOST: '127.0.0.1', WS_JWT_SECRET: TEST_SECRET },
        60_000,
        {
          kind: 'command',
          command: process.execPath,
          args,
          cwd: workdir,
        },
      );
      expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
      const check = /CMD\s+(node\s+-e\s+"(.*)")$/.exec(instruction('HEALTHCHECK')[0] ?? '');
      expect(check).not.toBeNull();
      const probe = await run(process.execPath, ['-e', (check?.[2] ?? '').replace(/\\"/g, '"')], {
        env: { ...process.env, WS_PORT: String(gateway.port) },
      }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? 1,
      );
      expect(probe).toBe(0);
      expect(await gateway.stop('SIGTERM')).toBe(0);
    } finally {
      await gateway?.kill();
      await rm(image, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('deploy/nginx.conf', () => {
  const nginx = read('deploy/nginx.conf');

  it('balances several gateways with sticky sessions', () => {
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(nginx);
    expect(upstream).not.toBeNull();
    expect(upstream?.[2]).toMatch(/^\s*ip_hash;/m);
    expect(upstream?.[2]?.match(/^\s*server\s+\S+/gm)?.length).toBeGreaterThanOrEqual(2);
    expect(nginx).toMatch(new RegExp(`proxy_pass\\s+http://${upstream?.[1]};`));
  });

  it('forwards WebSocket upgrades', () => {
    expect(nginx).toMatch(/proxy_http_version\s+1\.1;/);
    expect(nginx).toMatch(/proxy_set_header\s+Upgrade\s+\$http_upgrade;/);
    expect(nginx).toMatch(/proxy_set_header\s+Connection\s+\$connection_upgrade;/);
    expect(nginx).toMatch(/map\s+\$http_upgrade\s+\$connection_upgrade/);
  });
});

interface ComposeService {
  image?: string;
  build?: { dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] };
  profiles?: string[];
}

describe('deploy/docker-compose.yml', () => {
  const compose = parse(read('deploy/docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
    volumes?: Record<string, unknown>;
  };
  const services = Object.entries(compose.services);
  const gateways = services.filter(([, s]) => s.build?.dockerfile === 'apps/gateway/Dockerfile');

  it('runs two gateways with Redis behind nginx', () => {
    expect(gateways.length).toBe(2);
    expect(services.some(([, s]) => s.image?.startsWith('redis'))).toBe(true);
    expect(services.some(([, s]) => s.image?.startsWith('nginx'))).toBe(true);
  });

  it('points every gateway at Redis and gives each its own node id', () => {
    for (const [, gateway] of gateways) {
      expect(gateway.environment?.['REDIS_URL']).toMatch(/^redis:\/\/redis:6379/);
      expect(gateway.environment?.['NODE_ENV']).toBe('production');
      expect(gateway.environment?.['WS_JWT_SECRET']).toBeTruthy();
    }
    const ids = gateways.map(([, g]) => g.environment?.['WS_NODE_ID']);
    expect(new Set(ids).size).toBe(2);
  });

  it('upstream servers in nginx.conf are the compose gateway services', () => {
    const nginx = read('deploy/nginx.conf');
    for (const [name] of gateways) expect(nginx).toContain(`server ${name}:3000`);
  });

  const service = (name: string): ComposeService => {
    const found = compose.services[name];
    if (!found) throw new Error(`no service ${name}`);
    return found;
  };
  /** `host:container[:ro]` bind mounts (host paths relative to deploy/) and named volumes of a service. */
  const mounts = (s: ComposeService) =>
    (s.volumes ?? []).map((v) => {
      const [source = '', target = ''] = v.split(':');
      return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
    });
  const dependsOn = (s: ComposeService, name: string) =>
    Array.isArray(s.depends_on) ? undefined : s.depends_on?.[name]?.condition;

  it('runs Redis with AOF persistence on a named volume, health-checked; gateways wait for it', () => {
    const redis = service('redis');
    const command = (redis.command ?? []).join(' ');
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--appendfsync (everysec|always)/);
    const data = mounts(redis).find((m) => m.target === '/data');
    expect(data?.bind).toBe(false);
    expect(Object.keys(compose.volumes ?? {})).toContain(data?.source);
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    for (const [, gateway] of gateways) expect(dependsOn(gateway, 'redis')).toBe('service_healthy');
  });

  it('puts nginx behind healthy gateways (the image HEALTHCHECK) and health-checks every other service', () => {
    for (const [name] of gateways) expect(dependsOn(service('nginx'), name)).toBe('service_healthy');
    expect(read('apps/gateway/Dockerfile')).toMatch(/^HEALTHCHECK\s/m);
    for (const [name, s] of services) {
      if (s.build?.dockerfile === 'apps/gateway/Dockerfile') continue;
      expect(s.healthcheck?.test?.length, `${name} has a healthcheck`).toBeGreaterThan(1);
    }
  });

  it('every bind-mounted file or directory exists in deploy/', () => {
    for (const [name, s] of services) {
      for (const m of mounts(s).filter((x) => x.bind)) {
        // deploy/tls/ holds the operator's certificates for the opt-in tls profile; nothing is committed there.
        if (s.profiles?.includes('tls') && m.source === './tls') continue;
        expect(existsSync(`${root}deploy/${m.source.replace(/^\.\//, '')}`), `${name}: ${m.source}`).toBe(true);
      }
    }
  });

  it('provisions Prometheus with its config and the rules, which promtool accepts, scraping every gateway', async () => {
    const prometheus = service('prometheus');
    const byTarget = new Map(mounts(prometheus).map((m) => [m.target, m.source]));
    expect(byTarget.get('/etc/prometheus/prometheus.yml')).toBe('./prometheus/prometheus.yml');
    expect(prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const config = parse(read('deploy/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    // rule_files are relative to the config file: each must be mounted next to it, from deploy/prometheus/.
    for (const file of config.rule_files) expect(byTarget.get(`/etc/prometheus/${file}`)).toBe(`./prometheus/${file}`);
    const job = config.scrape_configs.find((c) => c.job_name === 'ws-gateway');
    expect(job?.static_configs.flatMap((c) => c.targets).sort()).toEqual(
      gateways.map(([name]) => `${name}:3000`).sort(),
    );
    // The alert on a scrape failing reads up{job="ws-gateway"}.
    expect(read('deploy/prometheus/rules.yml')).toContain('up{job="ws-gateway"}');
    const { stdout } = await run('promtool', ['check', 'config', `${root}deploy/prometheus/prometheus.yml`]);
    expect(stdout).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('provisions Grafana with a Prometheus data source and the gateway dashboard', () => {
    const grafana = service('grafana');
    expect(dependsOn(grafana, 'prometheus')).toBe('service_healthy');
    const byTarget = new Map(mounts(grafana).map((m) => [m.target, m.source]));
    expect(byTarget.get('/etc/grafana/provisioning')).toBe('./grafana/provisioning');
    const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { type: string; url: string; isDefault?: boolean }[];
    };
    // Prometheus listens on its default 9090 (no --web.listen-address), as the compose ports say.
    expect((service('prometheus').command ?? []).some((c) => c.startsWith('--web.listen-address'))).toBe(false);
    const port = 9090;
    expect(datasources.datasources).toContainEqual(
      expect.objectContaining({ type: 'prometheus', url: `http://prometheus:${port}`, isDefault: true }),
    );
    const providers = parse(read('deploy/grafana/provisioning/dashboards/ws-gateway.yml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    const path = providers.providers[0]?.options.path ?? '';
    expect(byTarget.get(path)).toBe('./grafana/dashboards');
    expect(existsSync(`${root}deploy/grafana/dashboards/ws-gateway.json`)).toBe(true);
    expect(grafana.environment?.['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH']).toBe(`${path}/ws-gateway.json`);
  });

  it('the tls profile serves nginx-tls.conf with the certificates from deploy/tls', () => {
    const tls = service('nginx-tls');
    expect(tls.profiles).toEqual(['tls']);
    const byTarget = new Map(mounts(tls).map((m) => [m.target, m.source]));
    expect(byTarget.get('/etc/nginx/nginx.conf')).toBe('./nginx-tls.conf');
    expect(byTarget.get('/etc/nginx/tls')).toBe('./tls');
    const conf = read('deploy/nginx-tls.conf');
    for (const [name] of gateways) expect(conf).toContain(`server ${name}:3000`);
  });
});
