export { isWsError, WsError } from './ws-error.js';
export { type AuthContext, AuthMiddleware, type AuthOptions, type AuthSocket } from './auth-middleware.js';
