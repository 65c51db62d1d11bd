import { badRequest } from '../errors/errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * NUL bytes break PostgreSQL text and hide content from filters; prototype keys are a
 * classic pollution vector. Neither has a legitimate use in our API, so both are refused.
 */
export function assertCleanInput(value: unknown, where: string, depth = 0): void {
  if (depth > 32) throw badRequest('invalid_input', `${where} is nested too deeply`);
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw badRequest('invalid_input', `${where} must not contain NUL characters`);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) assertCleanInput(item, where, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw badRequest('invalid_input', `${where} must not contain the key "${key}"`);
    if (key.includes('\u0000')) throw badRequest('invalid_input', `${where} must not contain NUL characters`);
    assertCleanInput((value as Record<string, unknown>)[key], where, depth + 1);
  }
}
