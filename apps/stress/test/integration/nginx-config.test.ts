import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEPLOY_NGINX_CONF, deriveLoopbackNginxConfig, loopbackNginxConfig } from '../../src/chaos/nginx-config.js';

const options = { listenPort: 18080, upstreamPorts: [18001, 18002, 18003], dir: '/tmp/ws-chaos-nginx-test' };

describe('the chaos run’s nginx config', () => {
  it('is deploy/nginx.conf line for line, except the listen and upstream lines and the writable paths', () => {
    const source = readFileSync(DEPLOY_NGINX_CONF, 'utf8');
    const derived = loopbackNginxConfig(options);
    const out = derived.text.split('\n');
    const replacedFrom = new Set(derived.replaced.map((r) => r.from));
    // Every line of the project's file is there verbatim, in order, unless it is one of the replaced lines.
    let at = 0;
    for (const line of source.split('\n')) {
      if (replacedFrom.has(line)) continue;
      const found = out.indexOf(line, at);
      expect(found, `line ${JSON.stringify(line)} of deploy/nginx.conf`).toBeGreaterThanOrEqual(at);
      at = found + 1;
    }
    // And nothing else was added than the replacements and the paths an unprivileged nginx can write.
    const sourceLines = new Set(source.split('\n'));
    const allowed = new Set([...derived.added, ...derived.replaced.flatMap((r) => r.to)]);
    expect(out.filter((line) => !sourceLines.has(line) && !allowed.has(line))).toEqual([]);
    // What was replaced: every upstream server of the compose file, and `listen 80`.
    expect(derived.replaced.map((r) => r.from.trim())).toEqual([
      ...source
        .split('\n')
        .filter((l) => /^\s*server\s+gateway-\d+:3000/.test(l))
        .map((l) => l.trim()),
      'listen 80;',
    ]);
    for (const port of options.upstreamPorts) {
      expect(out).toContain(`    server 127.0.0.1:${port} max_fails=3 fail_timeout=10s;`);
    }
    expect(out).toContain('    listen 127.0.0.1:18080;');
    // The sticky upstream is the file's own.
    expect(out).toContain('    ip_hash;');
  });

  it('refuses a file that lost the lines it replaces', () => {
    expect(() => deriveLoopbackNginxConfig('events {}\nhttp {\n}\n', options)).toThrow(/deploy\/nginx.conf changed/);
  });
});
