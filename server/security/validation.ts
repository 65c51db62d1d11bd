import { Ajv, type AnySchema } from 'ajv';
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
  const strict = makeAjv(false);
  const coercing = makeAjv('array');
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema);
}
