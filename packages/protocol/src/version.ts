/** Wire protocol version; bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;
