// What needs neither the server nor the gateway; those are `@ws/test-support/server` and `/gateway`, so a test
// loads only the one it starts (a DOM test cannot load the gateway's file-system code).
export { isAlive, stopProcess, waitForOutput } from './child-process.js';
export { expectConsistentDepth, type ReplayedDepth } from './depth-stream.js';
export { freePort } from './free-port.js';
export { ManualClock } from './manual-clock.js';
export { newOrder } from './orders.js';
export { type RedisCluster, startRedisCluster } from './redis-cluster.js';
export { type RedisSentinel, startSentinel } from './redis-sentinel.js';
export { type RedisServer, type RedisServerOptions, spawnRedisServer, startRedis } from './redis-server.js';
export {
  closeAll,
  collect,
  connect,
  connected,
  disconnected,
  nextEvent,
  record,
  refused,
  request,
} from './sockets.js';
export { signToken, TEST_SECRET, type TokenOptions } from './tokens.js';
