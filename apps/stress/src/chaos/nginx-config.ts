import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project's nginx config, the one `deploy/docker-compose.yml` mounts. */
export const DEPLOY_NGINX_CONF = fileURLToPath(new URL('../../../../deploy/nginx.conf', import.meta.url));

export interface LoopbackNginxOptions {
  /** Port nginx listens on (127.0.0.1). */
  listenPort: number;
  /** Loopback ports of the gateways, in place of the compose file's `gateway-N:3000`. */
  upstreamPorts: readonly number[];
  /** A directory the (unprivileged) nginx may write: pid file, error log, temp files. */
  dir: string;
}

export interface DerivedConfig {
  text: string;
  /** Lines of the source replaced, and what replaced them (for the check that nothing else changed). */
  replaced: { from: string; to: string[] }[];
  /** Lines added that the source does not have (paths an unprivileged nginx can write). */
  added: string[];
}

const UPSTREAM_SERVER = /^(\s*)server\s+gateway-\d+:3000(\s[^;]*)?;\s*$/;
const LISTEN = /^(\s*)listen\s+80\s*;\s*$/;

/**
 * The project's nginx config made runnable on loopback by an unprivileged user, changed in as few
 * places as possible: `listen 80` becomes `listen 127.0.0.1:<port>`, the upstream's `gateway-N:3000`
 * lines become one line per loopback gateway with the same parameters, and the pid file, error log and
 * temp paths move into `dir`. Everything else — `ip_hash`, the upgrade map, timeouts, locations — is the
 * file's own. Throws if the file no longer has the lines it expects, so a changed deploy file is noticed.
 */
export function deriveLoopbackNginxConfig(source: string, options: LoopbackNginxOptions): DerivedConfig {
  const replaced: DerivedConfig['replaced'] = [];
  const out: string[] = [];
  const dir = options.dir.replace(/\/$/, '');
  const top = [`pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log warn;`];
  const inHttp = [
    `  access_log off;`,
    `  client_body_temp_path ${dir}/client_body;`,
    `  proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi;`,
    `  scgi_temp_path ${dir}/scgi;`,
  ];
  let upstreamDone = false;
  let listenDone = false;
  let httpDone = false;
  out.push(...top);
  for (const line of source.split('\n')) {
    const server = UPSTREAM_SERVER.exec(line);
    if (server) {
      const to = upstreamDone
        ? []
        : options.upstreamPorts.map((port) => `${server[1]}server 127.0.0.1:${port}${server[2] ?? ''};`);
      upstreamDone = true;
      replaced.push({ from: line, to });
      out.push(...to);
      continue;
    }
    if (LISTEN.test(line)) {
      const to = [line.replace(/listen\s+80\s*;/, `listen 127.0.0.1:${options.listenPort};`)];
      listenDone = true;
      replaced.push({ from: line, to });
      out.push(...to);
      continue;
    }
    out.push(line);
    if (/^\s*http\s*\{\s*$/.test(line)) {
      out.push(...inHttp);
      httpDone = true;
    }
  }
  const missing = [
    upstreamDone ? null : 'upstream "server gateway-N:3000" lines',
    listenDone ? null : '"listen 80;"',
    httpDone ? null : '"http {" block',
  ].filter((m) => m !== null);
  if (missing.length > 0) throw new Error(`deploy/nginx.conf changed: no ${missing.join(', ')}`);
  return { text: out.join('\n'), replaced, added: [...top, ...inHttp] };
}

/** `deriveLoopbackNginxConfig` of the file at `DEPLOY_NGINX_CONF`. */
export function loopbackNginxConfig(options: LoopbackNginxOptions): DerivedConfig {
  return deriveLoopbackNginxConfig(readFileSync(DEPLOY_NGINX_CONF, 'utf8'), options);
}
