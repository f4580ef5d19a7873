import { publishValidators } from '@ws/protocol';

type WireChecks = Record<string, { wire: { check(value: unknown): boolean } } | undefined>;

/**
 * Checks a server event against the protocol's compiled wire schema (events without a schema pass).
 * Pass it as the `validateEvent` option for strict clients. It lives in `@ws/client/validate`, the one
 * entry that loads TypeBox and the protocol's schemas, so apps that do not opt in never download them.
 * The validators generate code at run time (`new Function`), which a CSP without `'unsafe-eval'` forbids.
 */
export function protocolEventValidator(event: string, payload: unknown): boolean {
  const validator = (publishValidators as unknown as WireChecks)[event];
  return validator ? validator.wire.check(payload) : true;
}
