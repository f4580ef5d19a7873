import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

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

  it('is multi-stage and the runtime stage copies from the build stage', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(runtime?.instructions.some((i) => /^COPY\s+--from=build\s/i.test(i))).toBe(true);
    expect(dockerfile).toMatch(/pnpm\s+--filter\s+@ws\/gateway\s+--prod\s+deploy/);
  });

  it('runs as a non-root user, exposes 3000 and checks /healthz', () => {
    const user = runtime?.instructions.filter((i) => /^USER\s/i.test(i)).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
    expect(runtime?.instructions).toContain('EXPOSE 3000');
    const healthcheck = runtime?.instructions.find((i) => /^HEALTHCHECK\s/i.test(i));
    expect(healthcheck).toMatch(/\/healthz/);
  });

  it('starts the gateway the way the start script does', () => {
    const pkg = JSON.parse(read('apps/gateway/package.json')) as { scripts: { start: string } };
    const cmd = runtime?.instructions.find((i) => /^CMD\s/i.test(i)) ?? '';
    const argv = JSON.parse(cmd.replace(/^CMD\s+/i, '')) as string[];
    expect(argv.join(' ')).toBe(pkg.scripts.start);
  });
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

describe('deploy/docker-compose.yml', () => {
  const compose = parse(read('deploy/docker-compose.yml'), { merge: true }) as {
    services: Record<string, { image?: string; build?: { dockerfile?: string }; environment?: Record<string, string> }>;
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
});
