/**
 * `@ws/protocol/runtime`: what code needs at run time to speak the protocol — room names, error codes,
 * namespaces, the events' traits, bounds and patterns, canonical decimals, the order-book checksum and book
 * state — and nothing that loads TypeBox, so a browser bundle carries no schema. Types of every payload and
 * the event maps come from `@ws/protocol` (type-only imports cost nothing at run time); schemas and
 * compiled validators stay in the main entry.
 */
export { type BookLevel, bookChecksum, bookChecksumString, CHECKSUM_DEPTH, crc32 } from './checksum.js';
export {
  compareDecimal,
  DECIMAL_PATTERN,
  isDecimalNumber,
  isDecimalString,
  isZeroDecimal,
  MAX_DECIMAL_LENGTH,
  NON_NEGATIVE_DECIMAL_PATTERN,
  POSITIVE_DECIMAL_PATTERN,
  toDecimalString,
  tryDecimalString,
} from './decimal.js';
export {
  type ConnectErrorCode,
  ConnectErrorCodes,
  type ErrorCode,
  ErrorCodes,
  isErrorCode,
  type RequestErrorCode,
  RequestErrorCodes,
} from './error-codes.js';
export {
  type EventState,
  type EventTraits,
  isPublishableEventName,
  isStreamEventName,
  LATEST_STATE_EVENTS,
  LATEST_STATE_STREAMS,
  PUBLISHABLE_EVENT_NAMES,
  type PublishableEventName,
  PublishableEventTraits,
  type RoomStream,
  roomOfEvent,
  type StreamEventName,
  streamOfRoom,
} from './event-traits.js';
export { isNamespaceName, NAMESPACE_NAMES, type NamespaceName, Namespaces } from './namespaces.js';
export { type BookSide, OrderBookState } from './order-book-state.js';
export { MAX_DEPTH_LEVELS, MAX_LIST_ITEMS, MAX_TEXT, SYMBOL_PATTERN, USER_ID_PATTERN } from './patterns.js';
export {
  isMarketSymbol,
  isUserId,
  MARKET_CHANNELS,
  type MarketChannel,
  type ParsedRoom,
  parseRoom,
  rooms,
  streamRoom,
  USER_STREAMS,
  type UserStream,
} from './rooms.js';
export { PROTOCOL_VERSION } from './version.js';
