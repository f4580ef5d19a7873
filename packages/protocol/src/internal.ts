/**
 * `@ws/protocol/internal`: for this repository's own packages and tools, not a stable API — what nodes send
 * each other over the cluster bus, and the AsyncAPI builder behind `pnpm docs:protocol`. May change in any
 * release.
 */
export { type AsyncApiDocument, type AsyncApiJson, type AsyncApiOptions, buildAsyncApiDocument } from './asyncapi.js';
export { ClusterBusMessage } from './cluster-bus.js';
