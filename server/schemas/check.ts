import { Ajv, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from 'typebox';

let ajv: Ajv | undefined;

/**
 * A check of a value against a TypeBox schema, for the few values that are not request parts (the
 * configuration, live messages): plain JSON Schema, nothing coerced, removed or defaulted. Ajv
 * checks the requests already; TypeBox's own checker (typebox/value) would add a few MB of heap
 * to every process for the same answers.
 */
export function compileCheck<T extends TSchema>(schema: T): { (value: unknown): value is Static<T>; firstError(value: unknown): string | null } {
  ajv ??= new Ajv({ strict: false, allErrors: false });
  const validate = ajv.compile(schema) as ValidateFunction<Static<T>>;
  const check = (value: unknown): value is Static<T> => validate(value);
  return Object.assign(check, {
    firstError(value: unknown): string | null {
      if (validate(value)) return null;
      const first = validate.errors?.[0];
      return first ? `${first.instancePath || '/'} ${first.message ?? 'is invalid'}` : 'unknown error';
    },
  });
}
