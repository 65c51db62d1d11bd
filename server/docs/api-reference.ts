/**
 * Renders the server's OpenAPI document (the one `GET /api/docs` serves, built from the routes'
 * TypeBox schemas) as docs/API.md, so the reference in the repository is the contract the code
 * enforces. Pure and deterministic: the same document always gives the same text, whatever order
 * the routes were registered in. `npm run docs:api` writes the file; tests/docs.api-reference.test.ts
 * fails when the file in the repository is not what this renders today.
 */

type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const SCHEMA_PREFIX = '#/components/schemas/';

const STATUS_TEXT: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** @fastify/swagger's description for a reply that declares none: says nothing, so it is not printed. */
const PLACEHOLDER_DESCRIPTION = 'Default Response';

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const asObject = (value: unknown): Json => (isObject(value) ? value : {});
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Keeps a table cell on one line and its pipes from splitting the cell. */
const cell = (text: string): string => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
const code = (text: string): string => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
class Anchors {
  private readonly seen = new Map<string, number>();
  add(heading: string): string {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .trim()
      .replace(/\s/g, '-');
    const count = this.seen.get(base) ?? 0;
    this.seen.set(base, count + 1);
    return count === 0 ? base : `${base}-${count}`;
  }
}

interface Shapes {
  /** Anchor of each shared shape (components.schemas), for links from field types. */
  anchors: Map<string, string>;
}

const refName = (schema: Json): string | undefined => {
  const ref = asString(schema.$ref);
  return ref?.startsWith(SCHEMA_PREFIX) ? ref.slice(SCHEMA_PREFIX.length) : ref;
};

const isNull = (schema: Json): boolean => schema.type === 'null';

/** The string values of an enum-like schema (`enum`, `const`, or a union of them), else undefined. */
function literals(schema: Json): unknown[] | undefined {
  if (isNull(schema)) return [null];
  if (Array.isArray(schema.enum)) return schema.enum as unknown[];
  if ('const' in schema) return [schema.const];
  const anyOf = asArray(schema.anyOf);
  if (anyOf.length === 0) return undefined;
  const values: unknown[] = [];
  for (const member of anyOf) {
    const inner = literals(asObject(member));
    if (!inner) return undefined;
    values.push(...inner);
  }
  return values;
}

/** A short type for a table: `string`, `integer \| null`, `Post[]`, `object`, a link to a shared shape. */
function typeOf(schema: Json, shapes: Shapes): string {
  const ref = refName(schema);
  if (ref !== undefined) {
    const anchor = shapes.anchors.get(ref);
    return anchor ? `[${ref}](#${anchor})` : ref;
  }
  const values = literals(schema);
  if (values) {
    const kinds = [...new Set(values.map((v) => (v === null ? 'null' : typeof v)))];
    return kinds.join(' | ');
  }
  const variants = [...asArray(schema.anyOf), ...asArray(schema.oneOf)].map(asObject);
  if (variants.length > 0) return [...new Set(variants.map((v) => typeOf(v, shapes)))].join(' | ');
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (schema.type === 'array') {
    const item = typeOf(asObject(schema.items), shapes);
    return item.includes(' ') ? `(${item})[]` : `${item}[]`;
  }
  if (typeof schema.type === 'string') return schema.type;
  if (isObject(schema.properties)) return 'object';
  return 'any';
}

/** What the schema allows beyond its type: values, limits, pattern, format, default (of a nullable union: its other member's). */
function rulesOf(schema: Json): string[] {
  const rules: string[] = [];
  const values = literals(schema);
  const allowed = values?.filter((v) => v !== null) ?? [];
  if (allowed.length > 0) rules.push(`one of ${allowed.map((v) => code(JSON.stringify(v))).join(', ')}`);
  const variants = withoutNull(schema);
  const [only, ...others] = variants;
  if (!values && only && only !== schema && others.length === 0) rules.push(...rulesOf(only));
  // A union of several shapes (a slug or an id): each one's rules, named by its type.
  if (!values && others.length > 0) {
    for (const variant of variants) {
      const own = rulesOf(variant);
      if (own.length > 0 && typeof variant.type === 'string') rules.push(`as ${variant.type}: ${own.join(', ')}`);
    }
  }
  const range = (min: unknown, max: unknown, unit: string) => {
    if (typeof min === 'number' && typeof max === 'number') rules.push(`${min}–${max}${unit}`);
    else if (typeof min === 'number') rules.push(`at least ${min}${unit}`);
    else if (typeof max === 'number') rules.push(`at most ${max}${unit}`);
  };
  range(schema.minLength, schema.maxLength, ' characters');
  range(schema.minimum, schema.maximum, '');
  range(schema.minItems, schema.maxItems, ' items');
  if (typeof schema.exclusiveMinimum === 'number') rules.push(`over ${schema.exclusiveMinimum}`);
  if (typeof schema.exclusiveMaximum === 'number') rules.push(`under ${schema.exclusiveMaximum}`);
  if (schema.uniqueItems === true) rules.push('no repeats');
  if (typeof schema.pattern === 'string') rules.push(`pattern ${code(schema.pattern)}`);
  if (typeof schema.format === 'string') rules.push(`format ${schema.format}`);
  if ('default' in schema) rules.push(`default ${code(JSON.stringify(schema.default))}`);
  return rules;
}

/** The non-null members of a nullable union, or the schema itself. */
function withoutNull(schema: Json): Json[] {
  const variants = [...asArray(schema.anyOf), ...asArray(schema.oneOf)].map(asObject);
  if (variants.length === 0) return [schema];
  return variants.filter((v) => !isNull(v)).flatMap(withoutNull);
}

/** A schema's description, or that of the one non-null member of a nullable union. */
function descriptionOf(schema: Json): string | undefined {
  const own = asString(schema.description);
  if (own) return own;
  const [only, ...others] = withoutNull(schema);
  return only && only !== schema && others.length === 0 ? asString(only.description) : undefined;
}

interface Row {
  name: string;
  type: string;
  required: boolean;
  notes: string;
}

/**
 * One row per field, nested objects (also inside arrays and nullable unions) flattened with
 * dotted names (`items[].author`), shared shapes linked rather than repeated. The rules of an
 * array's items are the array's own rules, since that is where a reader looks for them.
 */
function fieldRows(schema: Json, shapes: Shapes, prefix = ''): Row[] {
  const rows: Row[] = [];
  const required = new Set(asArray(schema.required).filter((r): r is string => typeof r === 'string'));
  for (const [name, value] of Object.entries(asObject(schema.properties))) {
    const field = asObject(value);
    const path = `${prefix}${name}`;
    const description = descriptionOf(field);
    const notes = [...rulesOf(field), ...(field.type === 'array' ? rulesOf(asObject(field.items)).map((r) => `each: ${r}`) : [])];
    if (description) notes.unshift(description);
    rows.push({ name: path, type: typeOf(field, shapes), required: required.has(name), notes: notes.join('; ') });
    rows.push(...nestedRows(field, shapes, path));
  }
  return rows;
}

function nestedRows(field: Json, shapes: Shapes, path: string): Row[] {
  const rows: Row[] = [];
  for (const variant of withoutNull(field)) {
    if (refName(variant) !== undefined) continue;
    if (isObject(variant.properties)) rows.push(...fieldRows(variant, shapes, `${path}.`));
    else if (variant.type === 'array') {
      for (const item of withoutNull(asObject(variant.items))) {
        if (refName(item) === undefined && isObject(item.properties)) rows.push(...fieldRows(item, shapes, `${path}[].`));
      }
    }
  }
  return rows;
}

function fieldTable(rows: Row[], nameHeading = 'field'): string[] {
  return [
    `| ${nameHeading} | type | required | rules and notes |`,
    '|---|---|---|---|',
    ...rows.map((r) => `| ${code(r.name)} | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${cell(r.notes)} |`),
  ];
}

/** A body or reply schema: a link to a shared shape, a table of fields, or just its type. */
function schemaBlock(schema: Json, shapes: Shapes): string[] {
  const ref = refName(schema);
  if (ref !== undefined) return [typeOf(schema, shapes)];
  const lines: string[] = [];
  const description = asString(schema.description);
  if (description) lines.push(description, '');
  if (isObject(schema.properties)) {
    const rows = fieldRows(schema, shapes);
    if (rows.length === 0) return [...lines, 'An empty object `{}`.'];
    return [...lines, ...fieldTable(rows)];
  }
  const rules = rulesOf(schema);
  lines.push(`${code(typeOf(schema, shapes).replace(/\[(\w+)\]\(#[^)]*\)/g, '$1'))}${rules.length ? ` (${rules.join('; ')})` : ''}`);
  const nested = nestedRows(schema, shapes, '');
  if (nested.length > 0) lines.push('', ...fieldTable(nested.map((r) => ({ ...r, name: r.name.replace(/^\[\]\./, '[].') }))));
  return lines;
}

function securityLine(operation: Json, doc: Json): string | undefined {
  const requirements = asArray(operation.security).map(asObject);
  if (requirements.length === 0) return undefined;
  const schemes = asObject(asObject(doc.components).securitySchemes);
  const names = requirements.map((req) =>
    Object.keys(req)
      .map((name) => describeScheme(name, asObject(schemes[name])))
      .join(' and '),
  );
  return `**Who may call it:** signed in, with ${names.join(' or ')}.`;
}

function describeScheme(name: string, scheme: Json): string {
  if (scheme.type === 'http' && scheme.scheme === 'bearer') return 'a bearer token (`Authorization: Bearer …`)';
  if (scheme.type === 'apiKey' && scheme.in === 'cookie') return `the session cookie (${code(asString(scheme.name) ?? '')})`;
  if (scheme.type === 'apiKey') return `${code(asString(scheme.name) ?? '')} (${asString(scheme.in) ?? ''})`;
  return code(name);
}

function parameterSection(title: string, parameters: Json[], shapes: Shapes): string[] {
  if (parameters.length === 0) return [];
  const rows = parameters.map((p): Row => {
    const schema = asObject(p.schema);
    const notes = [...rulesOf(schema)];
    const description = asString(p.description) ?? descriptionOf(schema);
    if (description) notes.unshift(description);
    return { name: asString(p.name) ?? '', type: typeOf(schema, shapes), required: p.required === true, notes: notes.join('; ') };
  });
  return [`**${title}**`, '', ...fieldTable(rows, 'name'), ''];
}

function bodySection(operation: Json, shapes: Shapes): string[] {
  const body = asObject(operation.requestBody);
  const content = asObject(body.content);
  const lines: string[] = [];
  for (const type of Object.keys(content).sort()) {
    const schema = asObject(asObject(content[type]).schema);
    const notes = [code(type), body.required === true ? 'required' : 'optional'];
    if (schema.additionalProperties === false) notes.push('unknown fields are dropped');
    lines.push(`**Body** (${notes.join(', ')})`, '', ...schemaBlock(schema, shapes), '');
  }
  return lines;
}

const statusLabel = (status: string) => `${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}`;

function repliesSection(operation: Json, shapes: Shapes, errorDescription: string | undefined): string[] {
  const responses = asObject(operation.responses);
  const statuses = Object.keys(responses).sort();
  const lines: string[] = [];
  const errors: string[] = [];
  for (const status of statuses) {
    const response = asObject(responses[status]);
    const description = asString(response.description);
    const content = asObject(response.content);
    const types = Object.keys(content).sort();
    if (/^[45]/.test(status)) {
      const schemas = types.map((t) => asObject(asObject(content[t]).schema));
      const plainError = schemas.every((s) => refName(s) === 'Error') && (description === errorDescription || description === PLACEHOLDER_DESCRIPTION);
      errors.push(plainError ? code(status) : `${code(status)} (${description ?? ''})`);
      continue;
    }
    lines.push(`**${statusLabel(status)}**${description && description !== PLACEHOLDER_DESCRIPTION ? `: ${description}` : ''}`, '');
    if (types.length === 0) lines.push('No body.', '');
    for (const type of types) {
      const schema = asObject(asObject(content[type]).schema);
      if (types.length > 1 || type !== 'application/json') lines.push(code(type), '');
      lines.push(...schemaBlock(schema, shapes), '');
    }
  }
  if (errors.length > 0) {
    const errorLink = shapes.anchors.has('Error') ? `[Error](#${shapes.anchors.get('Error')})` : 'Error';
    lines.push(`**Errors** (${errorLink}, with a stable \`code\`): ${errors.join(', ')}`, '');
  }
  return lines;
}

interface Operation {
  method: (typeof METHODS)[number];
  path: string;
  operation: Json;
}

function operationSection(op: Operation, doc: Json, shapes: Shapes, errorDescription: string | undefined): string[] {
  const { operation } = op;
  const parameters = asArray(operation.parameters).map(asObject);
  const byPlace = (place: string) => parameters.filter((p) => p.in === place);
  const lines = [`### \`${op.method.toUpperCase()} ${op.path}\``, ''];
  const summary = asString(operation.summary);
  if (summary) lines.push(summary, '');
  if (operation.deprecated === true) lines.push('**Deprecated.**', '');
  const description = asString(operation.description);
  if (description) lines.push(description, '');
  const security = securityLine(operation, doc);
  if (security) lines.push(security, '');
  lines.push(
    ...parameterSection('Path parameters', byPlace('path'), shapes),
    ...parameterSection('Query parameters', byPlace('query'), shapes),
    ...parameterSection('Headers', byPlace('header'), shapes),
    ...bodySection(operation, shapes),
    ...repliesSection(operation, shapes, errorDescription),
  );
  return lines;
}

const byPathThenMethod = (a: Operation, b: Operation) => (a.path < b.path ? -1 : a.path > b.path ? 1 : METHODS.indexOf(a.method) - METHODS.indexOf(b.method));

/** The operation's first tag: its section in the reference. */
const tagOf = (op: Operation): string => asString(asArray(op.operation.tags)[0]) ?? 'other';

const titleCase = (tag: string) => tag.charAt(0).toUpperCase() + tag.slice(1);

/** The whole reference: the API's general description, then each tag's routes, then the shared shapes. */
export function renderApiReference(document: unknown): string {
  const doc = asObject(document);
  const info = asObject(doc.info);
  const components = asObject(doc.components);
  const schemas = asObject(components.schemas);
  const anchors = new Anchors();

  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(asObject(doc.paths))) {
    for (const method of METHODS) {
      const operation = asObject(item)[method];
      if (isObject(operation)) operations.push({ method, path, operation });
    }
  }
  operations.sort(byPathThenMethod);

  // Tags listed by the document keep its order; any other tag follows, alphabetically.
  const declared = asArray(doc.tags).map(asObject);
  const declaredNames = declared.map((t) => asString(t.name) ?? '');
  const used = [...new Set(operations.map((op) => tagOf(op)))];
  const tags = [...declaredNames.filter((t) => used.includes(t)), ...used.filter((t) => !declaredNames.includes(t)).sort()];

  // Anchors are numbered in the order their headings appear, so reserve them in that order.
  const title = asString(info.title) ?? 'API';
  anchors.add(`${title} reference`);
  const description = asString(info.description) ?? '';
  for (const line of description.split('\n')) if (/^#{1,6} /.test(line)) anchors.add(line.replace(/^#+ /, ''));
  anchors.add('Authentication');
  anchors.add('Contents');
  const tagAnchors = new Map<string, string>();
  for (const tag of tags) {
    tagAnchors.set(tag, anchors.add(titleCase(tag)));
    for (const op of operations) if (tagOf(op) === tag) anchors.add(`${op.method.toUpperCase()} ${op.path}`);
  }
  anchors.add('Shared shapes');
  const shapeNames = Object.keys(schemas).sort();
  const shapes: Shapes = { anchors: new Map(shapeNames.map((name) => [name, anchors.add(name)])) };
  const errorDescription = asString(asObject(schemas.Error).description);

  const lines: string[] = [
    `# ${title} reference`,
    '',
    "<!-- Generated from the server's OpenAPI document by `npm run docs:api` (server/docs/api-reference.ts). Do not edit by hand: change the route schemas and run it again. -->",
    '',
    `Version ${asString(info.version) ?? ''} · OpenAPI ${asString(doc.openapi) ?? ''} · the same document is served at \`GET /api/docs\`.`,
    '',
  ];
  // The document's description is written one statement a line: keep them apart in Markdown too.
  if (description) lines.push(description.split('\n').join('\n\n'), '');

  const schemes = asObject(components.securitySchemes);
  lines.push('## Authentication', '');
  for (const name of Object.keys(schemes).sort()) lines.push(`- ${code(name)}: ${describeScheme(name, asObject(schemes[name]))}`);
  lines.push('');

  lines.push('## Contents', '');
  for (const tag of tags) {
    const count = operations.filter((op) => tagOf(op) === tag).length;
    lines.push(`- [${titleCase(tag)}](#${tagAnchors.get(tag)}) (${count} route${count === 1 ? '' : 's'})`);
  }
  lines.push(`- [Shared shapes](#shared-shapes)`, '');

  for (const tag of tags) {
    lines.push(`## ${titleCase(tag)}`, '');
    const tagDescription = asString(declared.find((t) => t.name === tag)?.description);
    if (tagDescription) lines.push(tagDescription, '');
    for (const op of operations) {
      if (tagOf(op) === tag) lines.push(...operationSection(op, doc, shapes, errorDescription));
    }
  }

  lines.push('## Shared shapes', '', 'Objects that many replies share; field types above link here.', '');
  for (const name of shapeNames) lines.push(`### ${name}`, '', ...schemaBlock(asObject(schemas[name]), shapes), '');

  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
