import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import * as addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

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

export interface LazyValidators {
  compiler: FastifySchemaCompiler<AnySchema>;
  /** Compiles every validator still waiting, as Fastify would have at start; the count compiled (for the tests). */
  compilePending(): number;
}

/**
 * Request validators compiled the first time a route is asked, not at start, as the response
 * serialisers are (server/schemas/lazy-serializers.ts): ajv generates a function for each part of
 * each route, hundreds of them, most for routes a process may not be asked for in a while. Once
 * compiled, a validator is kept.
 */
export function lazyValidators(): LazyValidators {
  const strict = makeAjv(false);
  const coercing = makeAjv('array');
  const pending = new Set<() => unknown>();
  const compiler: FastifySchemaCompiler<AnySchema> = ({ schema, httpPart }) => {
    let compiled: ValidateFunction | undefined;
    const ensure = (): ValidateFunction => {
      if (!compiled) {
        compiled = (httpPart === 'body' ? strict : coercing).compile(schema);
        pending.delete(ensure);
      }
      return compiled;
    };
    pending.add(ensure);
    // Fastify reads the refusal from the function's `errors`, as ajv leaves it.
    const validate = Object.assign(
      (data: unknown) => {
        const run = ensure();
        const valid = run(data);
        validate.errors = run.errors;
        return valid;
      },
      { errors: null as ErrorObject[] | null | undefined },
    );
    return validate;
  };
  return {
    compiler,
    compilePending() {
      const waiting = [...pending];
      for (const ensure of waiting) ensure();
      return waiting.length;
    },
  };
}
