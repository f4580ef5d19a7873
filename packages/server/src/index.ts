export { isWsError, WsError } from './ws-error.js';
