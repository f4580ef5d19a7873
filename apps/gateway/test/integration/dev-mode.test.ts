import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, signToken } from '@ws/test-support';
import { type GatewayProcess, startGatewayProcess } from '@ws/test-support/gateway';
import { afterAll, describe, expect, it, vi } from 'vitest';

describe('gateway process: development mode without JWT configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-dev-'));
  const secretFile = join(dir, '.dev-secret');
  let gateway: GatewayProcess | undefined;

  afterAll(async () => {
    await gateway?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates a secret, says so loudly, keeps it private, and accepts tokens signed with it', async () => {
    gateway = await startGatewayProcess({ WS_DEMO_FEED: '0', WS_DEV_SECRET_FILE: secretFile, LOG_LEVEL: 'debug' });
    const secret = readFileSync(secretFile, 'utf8').trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const warning = gateway.logs.find((l) => l.level === 40 && /development secret/.test(String(l.msg)));
    expect(warning).toMatchObject({ devSecretFile: secretFile, created: true });
    const g = gateway;
    await vi.waitFor(() => {
      expect(g.stderr()).toContain('DEV MODE');
      expect(g.stderr()).toContain('pnpm admin token');
    });
    // The secret itself never reaches the logs.
    expect(JSON.stringify(gateway.logs)).not.toContain(secret);

    const user = await connect(gateway.url, '/user', signToken({ sub: 'dev-user', role: 'user' }, { secret: secret }));
    user.close();
    const res = await fetch(`${gateway.url}/api/v1/publish`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${signToken({ sub: 'svc', role: 'service' }, { secret: secret })}`,
      },
      body: JSON.stringify({ event: 'system.message', data: { type: 'info', message: 'hello' } }),
    });
    expect(res.status).toBe(202);
    expect(gateway.logs).toContainEqual(
      expect.objectContaining({
        msg: 'connected',
        namespace: '/user',
        userId: 'dev-user',
        socketId: expect.any(String),
      }),
    );
    expect(await gateway.stop()).toBe(0);

    // A restart reuses the secret, so minted tokens survive it.
    gateway = await startGatewayProcess({ WS_DEMO_FEED: '0', WS_DEV_SECRET_FILE: secretFile });
    expect(readFileSync(secretFile, 'utf8').trim()).toBe(secret);
    expect(gateway.logs).toContainEqual(expect.objectContaining({ created: false }));
  });
});
