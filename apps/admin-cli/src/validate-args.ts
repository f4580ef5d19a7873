import { describeIssues, type ValidationResult } from '@ws/protocol';
import { usageError } from './cli-error.js';

/** Checks a request with the protocol's compiled validator before it is sent; a mismatch is a usage error. */
export function validateArgs<T>(
  validator: { validate(value: unknown): ValidationResult<T> },
  value: unknown,
  what: string,
): T {
  const result = validator.validate(value);
  if (!result.ok) throw usageError(`invalid ${what}: ${describeIssues(result.errors)}`);
  return result.value;
}
