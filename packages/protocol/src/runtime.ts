/**
 * `@ws/protocol/runtime`: what code needs at run time to speak the protocol — room names, error codes,
 * namespaces, the events' traits, bounds and patterns, canonical decimals, the order-book checksum and
 * book state — and nothing that loads TypeBox, so a browser bundle carries no schema. Types of every
 * payload and the event maps come from `@ws/protocol` (type-only imports cost nothing at run time);
 * schemas and compiled validators stay in the main entry.
 *
 * `export *` on purpose: esbuild's code splitting keeps a module re-exported this way out of the first
 * chunk until it is used (the order book's), while named re-exports pull every such module into it
 * (+1.5 KiB min+gz loaded first). The main entry names every export instead.
 */
export * from './checksum.js';
export * from './decimal.js';
export * from './error-codes.js';
export * from './event-traits.js';
export * from './namespaces.js';
export * from './order-book-state.js';
export * from './patterns.js';
export * from './rooms.js';
export { PROTOCOL_VERSION } from './version.js';
