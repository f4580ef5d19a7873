import type { Static, TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';

export interface ValidationIssue {
  /** JSON pointer of the offending value ("" for the root). */
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };

/** A schema compiled once, with a check that reports issues in the wire's `{ path, message }` form. */
export interface CompiledSchema<T extends TSchema> {
  readonly schema: T;
  check(value: unknown): value is Static<T>;
  validate(value: unknown): ValidationResult<Static<T>>;
}

const MAX_ISSUES = 20;

/** Compiles a schema once; validators are built lazily on first use so importing the package stays cheap. */
export function compile<T extends TSchema>(schema: T): CompiledSchema<T> {
  let validator: Validator | undefined;
  const get = () => {
    validator ??= Compile(schema) as unknown as Validator;
    return validator;
  };
  return {
    schema,
    check(value: unknown): value is Static<T> {
      return get().Check(value);
    },
    validate(value: unknown): ValidationResult<Static<T>> {
      const v = get();
      if (v.Check(value)) return { ok: true, value: value as Static<T> };
      const errors = v
        .Errors(value)
        .slice(0, MAX_ISSUES)
        .map((e) => ({ path: e.instancePath, message: e.message }));
      return { ok: false, errors: errors.length ? errors : [{ path: '', message: 'invalid payload' }] };
    },
  };
}

/** One human line for a list of issues, bounded so echoing bad input cannot grow a reply. */
export function describeIssues(errors: readonly ValidationIssue[]): string {
  const text = errors
    .slice(0, 3)
    .map((e) => `${e.path || '/'} ${e.message}`)
    .join('; ');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
