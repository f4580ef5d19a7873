export {
  ConfigError,
  type ConfigIssue,
  DEFAULT_SYMBOLS,
  type GatewayConfig,
  type JwtConfig,
  LOG_LEVELS,
  type LogLevel,
  loadConfig,
  type RateLimitConfig,
} from './config.js';
export {
  CONSOLE_CSP,
  CONSOLE_PATH,
  type ConsoleAssets,
  type ConsoleAssetsOptions,
  type ConsoleAssetsState,
  createConsoleAssets,
} from './console-assets.js';
export type { MarketBroadcastPort, UserBroadcastPort } from './demo/broadcast-port.js';
export { MarketSimulator, type MarketSimulatorOptions, type Quote } from './demo/market-simulator.js';
export { UserActivitySimulator, type UserActivitySimulatorOptions } from './demo/user-activity-simulator.js';
export { loadOrCreateDevSecret } from './dev-secret.js';
export { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { createHttpApi, type HttpApiOptions, PUBLISH_ROLES } from './http-api.js';
export { createLogger, type GatewayLogger } from './logger.js';
export { type ParsedPublishRequest, type PublishItem, parsePublishRequest } from './publish-request.js';
export { Readiness, type ReadinessCheck, type ReadinessState, type ReadinessStatus } from './readiness.js';
