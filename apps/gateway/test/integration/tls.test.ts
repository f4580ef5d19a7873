import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { freePort, request, TEST_SECRET } from '@ws/test-support';
import { type GatewayProcess, runGatewayToExit, startGatewayProcess } from '@ws/test-support/gateway';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestPki, type TestPki } from './helpers/certificates.js';

const PASSPHRASE = 'correct horse battery staple';

/** A wss:// socket.io-client that trusts `ca` (and nothing else, when given). */
function connectWss(url: string, namespace: string, ca?: string): Promise<Socket> {
  const socket = io(`${url}${namespace}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 10_000,
    ...(ca ? { ca } : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** The serial number of the certificate a new TLS connection is served, verified against `ca` only. */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial.replace(/^0+/, '').toUpperCase());
    });
    socket.once('error', reject);
  });
}

/** The status of a GET over HTTPS that trusts only `ca`. */
function httpsStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).once('error', reject);
  });
}

const bare = (serial: string) => serial.replace(/^0+/, '');

describe('TLS (WS_TLS_CERT_FILE, WS_TLS_KEY_FILE, WS_TLS_CA_FILE, WS_TLS_KEY_PASSPHRASE)', () => {
  let pki: TestPki;
  let gateway: GatewayProcess | undefined;
  let served: { certFile: string; keyFile: string };
  const sockets: Socket[] = [];

  beforeAll(async () => {
    pki = await createTestPki();
    served = { certFile: join(pki.dir, 'served.crt'), keyFile: join(pki.dir, 'served.key') };
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await gateway?.kill();
    await pki?.remove();
  });

  const tlsEnv = () => ({
    WS_JWT_SECRET: TEST_SECRET,
    WS_DEMO_FEED: '0',
    WS_TLS_CERT_FILE: served.certFile,
    WS_TLS_KEY_FILE: served.keyFile,
    // The served file holds only the server's own certificate: the intermediate comes from here.
    WS_TLS_CA_FILE: pki.intermediateFile,
    WS_TLS_KEY_PASSPHRASE: PASSPHRASE,
  });

  it('serves wss:// and https:// to clients that trust the root CA, and nothing in plain text', async () => {
    const first = await pki.issue('first', { passphrase: PASSPHRASE });
    await copyFile(first.certFile, served.certFile);
    await copyFile(first.keyFile, served.keyFile);
    gateway = await startGatewayProcess(tlsEnv());
    const url = `https://127.0.0.1:${gateway.port}`;
    expect(gateway.logs.find((l) => l.msg === 'listening')?.['url']).toMatch(/^https:\/\//);

    const prices = await connectWss(url, '/prices', pki.rootPem);
    sockets.push(prices);
    expect(await request(prices, 'subscribe', { symbols: ['BTC/USDT'] })).toMatchObject({ ok: true });
    expect(await servedSerial(gateway.port, pki.rootPem)).toBe(bare(first.serial));

    const health = await httpsStatus(`${url}/healthz`, pki.rootPem);
    expect(health).toBe(200);
    // A client without the CA refuses the certificate; a plain-HTTP client gets no answer.
    await expect(connectWss(url, '/prices')).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${gateway.port}/healthz`)).rejects.toThrow();
  });

  it('SIGHUP serves a renewed certificate to new connections and keeps open ones', async () => {
    if (!gateway) throw new Error('needs the gateway of the previous test');
    const g = gateway;
    const open = sockets[0];
    if (!open) throw new Error('needs the socket of the previous test');
    let dropped = false;
    open.once('disconnect', () => {
      dropped = true;
    });
    const second = await pki.issue('second', { passphrase: PASSPHRASE });
    await copyFile(second.certFile, served.certFile);
    await copyFile(second.keyFile, served.keyFile);
    const reloads = () => g.logs.filter((l) => l.msg === 'tls reloaded').length;
    g.proc.kill('SIGHUP');
    await vi.waitFor(() => expect(reloads()).toBe(1), { timeout: 15_000, interval: 50 });
    expect(await servedSerial(g.port, pki.rootPem)).toBe(bare(second.serial));
    const fresh = await connectWss(`https://127.0.0.1:${g.port}`, '/market', pki.rootPem);
    sockets.push(fresh);
    // The connection opened before the reload still works, on its original certificate.
    expect(await request(open, 'subscribe', { symbols: ['ETH/USDT'] })).toMatchObject({ ok: true });
    expect(open.connected).toBe(true);
    expect(dropped).toBe(false);

    // A broken file on the next SIGHUP is refused: the renewed certificate stays in service.
    await writeFile(served.certFile, 'not a certificate\n');
    g.proc.kill('SIGHUP');
    await vi.waitFor(() => expect(g.logs.some((l) => l.msg?.startsWith('tls reload refused'))).toBe(true), {
      timeout: 15_000,
      interval: 50,
    });
    expect(await servedSerial(g.port, pki.rootPem)).toBe(bare(second.serial));
    expect(g.proc.exitCode).toBeNull();
    expect(await request(open, 'subscribe', { symbols: ['SOL/USDT'] })).toMatchObject({ ok: true });
  });

  it.each([
    ['WS_TLS_KEY_PASSPHRASE', { WS_TLS_KEY_PASSPHRASE: 'wrong' }],
    ['WS_TLS_KEY_FILE', { WS_TLS_KEY_FILE: '' }],
    ['WS_TLS_CERT_FILE', { WS_TLS_CERT_FILE: '/nonexistent/cert.pem' }],
  ])('refuses to start naming %s', async (variable, override) => {
    const issued = await pki.issue(`bad-${variable}`, { passphrase: PASSPHRASE });
    const env = {
      ...tlsEnv(),
      WS_TLS_CERT_FILE: issued.certFile,
      WS_TLS_KEY_FILE: issued.keyFile,
      ...override,
    };
    const { code, stderr } = await runGatewayToExit(env);
    expect(code).toBe(1);
    expect(stderr).toContain(`${variable}:`);
  });
});

const repo = new URL('../../../../', import.meta.url);
const locations = (conf: string) => [...conf.matchAll(/^\s*location[^{]*\{[^}]*\}/gm)].map((m) => m[0].trim());

describe('deploy/nginx-tls.conf terminates TLS in front of the gateways', () => {
  let pki: TestPki;
  let gateway: GatewayProcess | undefined;
  let nginx: ChildProcess | undefined;
  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = once(nginx, 'exit');
      nginx.kill('SIGTERM');
      await exited;
    }
    await gateway?.kill();
    await pki?.remove();
  });

  it('has the same locations as nginx.conf', () => {
    const plain = readFileSync(new URL('deploy/nginx.conf', repo), 'utf8');
    const tls = readFileSync(new URL('deploy/nginx-tls.conf', repo), 'utf8');
    expect(locations(tls).length).toBeGreaterThan(3);
    expect(locations(tls)).toEqual(locations(plain));
  });

  it('a real nginx with it serves wss:// to a plain-HTTP gateway and redirects http://', async () => {
    pki = await createTestPki();
    const leaf = await pki.issue('nginx');
    gateway = await startGatewayProcess({ WS_JWT_SECRET: TEST_SECRET, WS_DEMO_FEED: '0', WS_TRUST_PROXY: '1' });
    const httpPort = await freePort();
    let httpsPort = await freePort();
    // A port just closed may be handed out again: two server blocks on one address would merge.
    while (httpsPort === httpPort) httpsPort = await freePort();
    const chain = join(pki.dir, 'chain.crt');
    await writeFile(chain, (await readFile(leaf.certFile, 'utf8')) + (await readFile(pki.intermediateFile, 'utf8')));
    const conf = readFileSync(new URL('deploy/nginx-tls.conf', repo), 'utf8')
      .replace(/^worker_processes .*$/m, `worker_processes 1;\npid ${pki.dir}/nginx.pid;\nerror_log stderr;`)
      .replace(
        /^(\s*)server gateway-1:3000[^;]*;\n\s*server gateway-2:3000[^;]*;/m,
        `$1server 127.0.0.1:${gateway.port};`,
      )
      .replace(/listen 80;/, `listen 127.0.0.1:${httpPort};`)
      .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${httpsPort} ssl http2;`)
      .replace(/ssl_certificate\s+\/etc\/nginx\/tls\/tls\.crt;/, `ssl_certificate ${chain};`)
      .replace(/ssl_certificate_key\s+\/etc\/nginx\/tls\/tls\.key;/, `ssl_certificate_key ${leaf.keyFile};`)
      .replace(/http \{/, 'http {\n  access_log off;');
    expect(conf).toContain(`server 127.0.0.1:${gateway.port};`);
    await writeFile(join(pki.dir, 'nginx.conf'), conf);
    nginx = spawn('nginx', ['-p', pki.dir, '-c', join(pki.dir, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    nginx.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const url = `https://127.0.0.1:${httpsPort}`;
    const prices = await vi
      .waitFor(() => connectWss(url, '/prices', pki.rootPem), { timeout: 60_000, interval: 200 })
      .catch((err) => {
        throw new Error(`${err}\nnginx: ${stderr}`);
      });
    expect(await request(prices, 'subscribe', { symbols: ['BTC/USDT'] })).toMatchObject({ ok: true });
    prices.close();
    const redirect = await fetch(`http://127.0.0.1:${httpPort}/socket.io/`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toMatch(/^https:\/\//);
    // /metrics is not public through the proxy.
    const metrics = await httpsStatus(`${url}/metrics`, pki.rootPem);
    expect(metrics).toBe(404);
  }, 90_000);
});
