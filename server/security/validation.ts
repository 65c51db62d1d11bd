import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import * as addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { compileLater, type CompileLater } from '../schemas/compile-later.js';

// ajv-formats is CommonJS: its function sits on .default when imported from ESM.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats =
  (addFormatsModule as unknown as { default: { default?: AddFormats } & AddFormats }).default.default ??
  (addFormatsModule as unknown as { default: AddFormats }).default;

const makeAjv = (coerceTypes: boolean | 'array') => {
  const ajv = new Ajv({ removeAdditional: true, useDefaults: true, coerceTypes, allErrors: false, strict: false });
  addFormats(ajv);
  return ajv;
};

/**
 * JSON bodies are typed by the client, so they are validated as sent: no coercion, so
 * `"body": 123` or `"postId": ""` is refused instead of quietly becoming "123" or null.
 * Query strings and path parameters are text by nature and are coerced to their schema types.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<AnySchema> {
  return lazyValidators().compiler;
}

export type LazyValidators = { compiler: FastifySchemaCompiler<AnySchema> } & Pick<CompileLater, 'compilePending'>;

/** Request validators compiled the first time a route is asked (see compileLater). */
export function lazyValidators(): LazyValidators {
  const strict = makeAjv(false);
  const coercing = makeAjv('array');
  const { later, compilePending } = compileLater();
  const compiler: FastifySchemaCompiler<AnySchema> = ({ schema, httpPart }) => {
    const compiled = later((): ValidateFunction => (httpPart === 'body' ? strict : coercing).compile(schema));
    // Fastify reads the refusal from the function's `errors`, as ajv leaves it.
    const validate = Object.assign(
      (data: unknown) => {
        const run = compiled();
        const valid = run(data);
        validate.errors = run.errors;
        return valid;
      },
      { errors: null as ErrorObject[] | null | undefined },
    );
    return validate;
  };
  return { compiler, compilePending };
}
