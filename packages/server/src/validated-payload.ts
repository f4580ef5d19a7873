import type { ValidationResult } from '@ws/protocol';

/** The payload type a compiled validator accepts: what the inbound routes and the publish API take. */
export type ValidatedPayload<V> = V extends { validate(value: unknown): ValidationResult<infer P> } ? P : never;
