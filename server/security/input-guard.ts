import { badRequest } from '../errors/errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// With the u flag a character class sees whole code points, so only unpaired surrogates match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * NUL bytes break PostgreSQL text and hide content from filters; prototype keys are a
 * classic pollution vector. Neither has a legitimate use in our API, so both are refused.
 */
export function assertCleanInput(value: unknown, where: string, depth = 0): void {
  if (depth > 32) throw badRequest('invalid_input', `${where} is nested too deeply`, { in: where, field: null });
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw badRequest('invalid_input', `${where} must not contain NUL characters`, { in: where, field: null });
    // A lone UTF-16 surrogate ("\ud800" in JSON) is not text: the database would store U+FFFD instead.
    if (LONE_SURROGATE.test(value)) throw badRequest('invalid_input', `${where} must be valid Unicode text`, { in: where, field: null });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) assertCleanInput(item, where, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw badRequest('invalid_input', `${where} must not contain the key "${key}"`, { in: where, field: null });
    if (key.includes('\u0000')) throw badRequest('invalid_input', `${where} must not contain NUL characters`, { in: where, field: null });
    assertCleanInput((value as Record<string, unknown>)[key], where, depth + 1);
  }
}
