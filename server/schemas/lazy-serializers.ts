import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';
import { compileLater, type CompileLater } from './compile-later.js';

export type LazySerializers = { factory: SerializerFactory } & Pick<CompileLater, 'compilePending'>;

/** Response serialisers compiled the first time a route answers with that status (see compileLater). */
export function lazySerializers(): LazySerializers {
  const { later, compilePending } = compileLater();
  const factory: SerializerFactory = (externalSchemas, options) => {
    const shared = externalSchemas && Object.fromEntries(Object.entries(externalSchemas).map(([id, schema]) => [id, nullableForSerializer(schema)]));
    const compile = SerializerSelector()(shared, options);
    return (route) => {
      const serializer = later(() => compile({ ...route, schema: nullableForSerializer(route.schema) }));
      return (doc) => serializer()(doc);
    };
  };
  return { factory, compilePending };
}

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNull = (s: unknown) => isSchema(s) && s.type === 'null' && Object.keys(s).length === 1;

/**
 * The schema as the serialiser reads it: "this or null" (`anyOf: [T, {type: 'null'}]`, how
 * `Nullable` is written for validation and the API document) as `{...T, nullable: true}`, where T
 * is a plain schema of one type. fast-json-stringify picks an `anyOf` branch by validating the
 * value against it with ajv, nested objects and date formats included, on every answer (a
 * notifications page spent a twentieth of its time there); `nullable` is one test for null.
 */
export function nullableForSerializer(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullableForSerializer);
  if (!isSchema(schema)) return schema;
  // Fastify asks for a serialiser factory per encapsulated context, each with the same shared schemas.
  let done = rewritten.get(schema);
  if (done === undefined) rewritten.set(schema, (done = rewrite(schema)));
  return done;
}

const rewritten = new WeakMap<Schema, unknown>();

function rewrite(schema: Schema): unknown {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) out[key] = nullableForSerializer(value);
  const anyOf: unknown = out.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2) {
    const [first, second] = anyOf as [unknown, unknown];
    const other = isNull(first) ? second : isNull(second) ? first : undefined;
    if (isSchema(other) && typeof other.type === 'string' && other.type !== 'null' && !('$ref' in other) && !other.anyOf && !other.oneOf && !other.allOf) {
      const siblings = { ...out };
      delete siblings.anyOf;
      return { ...siblings, ...other, nullable: true };
    }
  }
  return out;
}
