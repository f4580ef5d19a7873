import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken, TEST_SECRET } from '@ws/test-support';
import type { TestGateway } from '@ws/test-support/gateway';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';
import { startTestGateway } from './helpers/test-gateway.js';

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('authentication, unreachable gateway and usage errors', { timeout: 120_000 }, () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('a token signed with another secret exits 3 with a clear message', async () => {
    const forged = signToken(
      { sub: 'ops', role: 'admin' },
      { secret: 'another-secret-0123456789abcdef0123456789abcdef' },
    );
    const { code, stdout, stderr } = await runCli(['stats'], { WS_URL: gateway.url, ADMIN_TOKEN: forged });
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toContain('the gateway refused the token');
  });

  it('a valid token without the admin role exits 3; --token wins over ADMIN_TOKEN', async () => {
    const admin = signToken({ sub: 'ops', role: 'admin' });
    const user = signToken({ sub: 'eve', role: 'user' });
    const { code, stderr } = await runCli(['--token', user, 'subscriptions', '--json'], {
      WS_URL: gateway.url,
      ADMIN_TOKEN: admin,
    });
    expect(code).toBe(3);
    expect(stderr).toContain("the token is not an admin's");
  });

  it('no token at all exits 3 before connecting', async () => {
    const { code, stderr } = await runCli(['stats'], { WS_URL: gateway.url });
    expect(code).toBe(3);
    expect(stderr).toContain('no admin token');
  });

  it('an unreachable gateway exits 1 naming the url; --url wins over WS_URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const token = signToken({ sub: 'ops', role: 'admin' });
    const { code, stdout, stderr } = await runCli(['--url', url, '--timeout', '1s', 'stats', '--json'], {
      WS_URL: gateway.url,
      ADMIN_TOKEN: token,
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`gateway unreachable at ${url}`);
  });

  it.each([
    [['bogus']],
    [['broadcast', '--type', 'panic', '--message', 'x']],
    [['broadcast', '--type', 'info']],
    [['connections', 'kick']],
    [['connections', 'list', '--namespace', '/nope']],
    [['--timeout', 'soon', 'stats']],
    [['token', '--user', 'bad user!']],
  ])('usage error %j exits 2 without contacting anything', async (args) => {
    const { code, stdout, stderr } = await runCli(args, { WS_URL: 'http://127.0.0.1:1', ADMIN_TOKEN: 'x.y.z' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).not.toBe('');
  });

  it('token mints a JWT that verifies with the secret and says it is for development', async () => {
    const { code, stdout, stderr } = await runCli(['token', '--user', 'alice', '--role', 'service', '--ttl', '10m'], {
      WS_JWT_SECRET: TEST_SECRET,
    });
    expect(code).toBe(0);
    expect(stderr).toContain('For development and tests only');
    const token = stdout.trim();
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    const { payload } = await jwtVerify(token, new TextEncoder().encode(TEST_SECRET));
    expect(payload).toMatchObject({ sub: 'alice', role: 'service' });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(600);
  });

  it('token falls back to a .dev-secret file in the invoking directory and works against a gateway using it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'admin-cli-'));
    const secret = 'dev-file-secret-0123456789abcdef0123456789abcdef';
    writeFileSync(join(dir, '.dev-secret'), `${secret}\n`);
    const devGateway = await startTestGateway({ WS_JWT_SECRET: secret });
    try {
      const minted = await runCli(['token', '--user', 'ops-2', '--role', 'admin', '--json'], { INIT_CWD: dir });
      expect(minted.code).toBe(0);
      expect(minted.stderr).toContain(join(dir, '.dev-secret'));
      const out = JSON.parse(minted.stdout) as { token: string; userId: string; role: string; expiresAt: number };
      expect(out).toMatchObject({ userId: 'ops-2', role: 'admin' });
      await jwtVerify(out.token, new TextEncoder().encode(secret));
      const stats = await runCli(['stats', '--json'], { WS_URL: devGateway.url, ADMIN_TOKEN: out.token });
      expect(stats.code).toBe(0);
    } finally {
      await devGateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
