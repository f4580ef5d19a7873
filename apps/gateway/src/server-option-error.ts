import { WsConfigError } from '@ws/server';
import { ConfigError, type GatewayConfig } from './config.js';
import { CONFIG_VARIABLES, type ConfigVariable, type ConfigVariableName } from './config-variables.js';

/** Each `@ws/server` option the gateway sets, and the variable it comes from: CONFIG_VARIABLES' `options`, inverted. */
export const VARIABLE_OF_OPTION: ReadonlyMap<string, ConfigVariableName> = new Map(
  (Object.entries(CONFIG_VARIABLES) as [ConfigVariableName, ConfigVariable][]).flatMap(([name, variable]) =>
    (variable.options ?? []).map((option) => [option, name] as const),
  ),
);

/** The variable that chose the Redis the server refused (`redis`: e.g. one older than 7.0). */
const REDIS_VARIABLE = { url: 'REDIS_URL', cluster: 'REDIS_CLUSTER_NODES', sentinel: 'REDIS_SENTINELS' } as const;

/**
 * A `WsConfigError` as the gateway's `ConfigError`, naming the variable that set the refused option (the
 * development secret file when the secret is the generated one). Anything else, an option no variable sets
 * included, is returned as it is: a fault in the gateway, not in its configuration.
 */
export function asConfigError(err: unknown, config: GatewayConfig): unknown {
  if (!(err instanceof WsConfigError)) return err;
  const variable =
    err.option === 'auth.secret' && config.needsDevSecret
      ? 'WS_DEV_SECRET_FILE'
      : err.option === 'redis' && config.redis
        ? REDIS_VARIABLE[config.redis.target.kind]
        : VARIABLE_OF_OPTION.get(err.option);
  if (variable === undefined) return err;
  return new ConfigError([{ variable, message: `the server cannot use this value: ${err.message}` }]);
}
