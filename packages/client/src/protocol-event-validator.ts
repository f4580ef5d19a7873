import { publishValidators } from '@ws/protocol';

type WireChecks = Record<string, { wire: { check(value: unknown): boolean } } | undefined>;

/**
 * Checks a server event against the protocol's compiled wire schema (events without a schema pass).
 * Pass it as the `validateEvent` option for strict clients; it is a separate module so the TypeBox
 * compiler only enters bundles that import it.
 */
export function protocolEventValidator(event: string, payload: unknown): boolean {
  const validator = (publishValidators as unknown as WireChecks)[event];
  return validator ? validator.wire.check(payload) : true;
}
