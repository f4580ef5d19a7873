import { connect, signToken } from '@ws/test-support';
import { startGateway } from '@ws/test-support/gateway';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway, GatewayLogger } from '../../src/index.js';

type Line = Record<string, unknown> & { msg: string | undefined };

/** Records every line with its bindings, as pino would print them. */
function recordingLogger(lines: Line[], bindings: Record<string, unknown> = {}): GatewayLogger {
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ ...bindings, ...obj, level, msg });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

describe('connection log', () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  /** A started gateway at `level` whose every log line lands in the returned array. */
  async function gatewayLogging(level: 'debug' | 'info'): Promise<{ gateway: Gateway; lines: Line[] }> {
    const lines: Line[] = [];
    gateway = await startGateway({ LOG_LEVEL: level }, { logger: recordingLogger(lines) });
    return { gateway, lines };
  }

  it('at debug, one line per connection and per disconnection, each with its own socket’s fields', async () => {
    const { gateway, lines } = await gatewayLogging('debug');
    const alice = await connect(gateway.url, '/prices', signToken({ userId: 'alice' }));
    const anonymous = await connect(gateway.url, '/market');
    const bob = await connect(gateway.url, '/user', signToken({ userId: 'bob' }));
    const ids = { alice: alice.id, anonymous: anonymous.id, bob: bob.id };
    for (const socket of [bob, alice, anonymous]) socket.disconnect();

    const ofConnections = (msg: string) =>
      lines
        .filter((l) => l['component'] === 'connections' && l.msg === msg)
        .map(({ msg: _, level, ...rest }) => {
          expect(level).toBe('debug');
          return rest;
        });
    await expect.poll(() => ofConnections('disconnected').length, { timeout: 10_000 }).toBe(3);
    const who = (socketId: string | undefined, namespace: string, userId: string | null) => ({
      component: 'connections',
      socketId,
      namespace,
      userId,
      ip: expect.stringContaining('127.0.0.1'),
    });
    expect(ofConnections('connected')).toEqual([
      who(ids.alice, '/prices', 'alice'),
      who(ids.anonymous, '/market', null),
      who(ids.bob, '/user', 'bob'),
    ]);
    const gone = (line: ReturnType<typeof who>) => ({
      ...line,
      reason: 'client namespace disconnect',
      durationMs: expect.any(Number),
    });
    // Three connections: the server may see the three disconnects in any order.
    const byNamespace = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      String(a['namespace']).localeCompare(String(b['namespace']));
    expect(ofConnections('disconnected').sort(byNamespace)).toEqual([
      gone(who(ids.anonymous, '/market', null)),
      gone(who(ids.alice, '/prices', 'alice')),
      gone(who(ids.bob, '/user', 'bob')),
    ]);
    for (const line of ofConnections('disconnected')) expect(line['durationMs']).toBeGreaterThanOrEqual(0);
  });

  it('at info, no line per connection, but a refused one is still a warn line', async () => {
    const { gateway, lines } = await gatewayLogging('info');
    const alice = await connect(gateway.url, '/prices', signToken({ userId: 'alice' }));
    alice.disconnect();
    await expect(connect(gateway.url, '/user')).rejects.toThrow();
    await expect.poll(() => lines.filter((l) => l.msg === 'connection refused').length, { timeout: 10_000 }).toBe(1);
    expect(lines.find((l) => l.msg === 'connection refused')).toMatchObject({ level: 'warn', namespace: '/user' });
    expect(lines.filter((l) => l['component'] === 'connections')).toEqual([]);
  });
});
