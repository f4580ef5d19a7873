import type { WebSocketBroadcast } from './publish/websocket-broadcast.js';
import { WebSocketServer } from './websocket-server.js';

type BroadcastMethods = Pick<
  WebSocketBroadcast,
  | 'broadcastPriceUpdate'
  | 'broadcastTrade'
  | 'broadcastMarketStats'
  | 'broadcastDepth'
  | 'broadcastMarketTrades'
  | 'broadcastTicker'
  | 'broadcastOrderUpdate'
  | 'broadcastPositionUpdate'
  | 'broadcastPositionLiquidated'
  | 'broadcastWalletUpdate'
  | 'broadcastMarginCall'
  | 'broadcastSystemMessage'
  | 'publish'
  | 'publishBatch'
>;

const current = (): WebSocketBroadcast => WebSocketServer.getInstance().broadcast;

/**
 * The broadcast service of the process-wide `WebSocketServer.getInstance()`, for services that import it
 * directly. Every call goes to the instance at call time, so it works once `initialize()` has run and
 * throws `WsError` INTERNAL before.
 */
export const websocketBroadcast: BroadcastMethods = {
  broadcastPriceUpdate: (...args) => current().broadcastPriceUpdate(...args),
  broadcastTrade: (...args) => current().broadcastTrade(...args),
  broadcastMarketStats: (...args) => current().broadcastMarketStats(...args),
  broadcastDepth: (...args) => current().broadcastDepth(...args),
  broadcastMarketTrades: (...args) => current().broadcastMarketTrades(...args),
  broadcastTicker: (...args) => current().broadcastTicker(...args),
  broadcastOrderUpdate: (...args) => current().broadcastOrderUpdate(...args),
  broadcastPositionUpdate: (...args) => current().broadcastPositionUpdate(...args),
  broadcastPositionLiquidated: (...args) => current().broadcastPositionLiquidated(...args),
  broadcastWalletUpdate: (...args) => current().broadcastWalletUpdate(...args),
  broadcastMarginCall: (...args) => current().broadcastMarginCall(...args),
  broadcastSystemMessage: (...args) => current().broadcastSystemMessage(...args),
  publish: ((event: string, data: unknown, userId?: string) =>
    current().publish(event, data, userId)) as WebSocketBroadcast['publish'],
  publishBatch: (items) => current().publishBatch(items),
};
