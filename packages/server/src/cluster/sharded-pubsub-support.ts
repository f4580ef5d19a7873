import { Cluster, type Redis } from 'ioredis';

/** The commands the cluster bus needs: the publish script SPUBLISHes, nodes SSUBSCRIBE (Redis ≥ 7.0). */
const NEEDED = ['spublish', 'ssubscribe'] as const;

/** `redis_version` of an `INFO server` answer, or undefined. */
export function redisVersionOf(info: string): string | undefined {
  return /^redis_version:([^\r\n]+)/m.exec(info)?.[1]?.trim();
}

/**
 * Why a Redis node cannot carry the cluster bus, or undefined when it can: `commandInfo` is the answer to
 * `COMMAND INFO spublish ssubscribe` (one entry per command, null for one the server does not know or has
 * renamed; undefined when COMMAND was refused, e.g. by an ACL, and only the version can tell), `version` its
 * `redis_version`. With neither, nothing is refused.
 */
export function shardedPubSubProblem(
  where: string,
  commandInfo: readonly unknown[] | undefined,
  version: string | undefined,
): string | undefined {
  const major = Number.parseInt(version ?? '', 10);
  if (commandInfo === undefined && !(major < 7)) return undefined;
  const missing = NEEDED.filter((_, i) => !Array.isArray(commandInfo?.[i]));
  if (missing.length === 0) return undefined;
  const runs = version === undefined ? 'an unknown version' : `Redis ${version}`;
  return (
    `needs Redis >= 7.0 for the per-room cluster bus (${missing.map((c) => c.toUpperCase()).join(', ')} ` +
    `not available): ${where} runs ${runs}`
  );
}

/** Asks one node; one that refuses INFO or COMMAND (an ACL, a managed service) is judged by what it answers. */
async function problemOf(node: Redis): Promise<string | undefined> {
  const commandInfo = await node.call('COMMAND', 'INFO', ...NEEDED).then(
    (answer) => answer as unknown[],
    () => undefined,
  );
  const info = await node.info('server').catch(() => '');
  return shardedPubSubProblem(`${node.options.host}:${node.options.port}`, commandInfo, redisVersionOf(info));
}

/** Why the Redis behind `client` (each master of a Cluster) cannot carry the cluster bus, or undefined. */
export async function shardedPubSubSupport(client: Redis | Cluster): Promise<string | undefined> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const problems = await Promise.all(nodes.map(problemOf));
  return problems.find((p) => p !== undefined);
}
