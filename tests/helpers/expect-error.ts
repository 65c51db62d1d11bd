import { expect } from 'vitest';
import type { Reply } from './client.js';

/** Asserts an error reply in the API's one shape: statusCode, error, code, message (and optional details). */
export function expectError(res: Reply, status: number, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.body.code).toBe(code);
  expect(res.body.statusCode).toBe(status);
  expect(typeof res.body.error).toBe('string');
  expect(typeof res.body.message).toBe('string');
  expect(
    Object.keys(res.body)
      .filter((k) => k !== 'details')
      .sort(),
  ).toEqual(['code', 'error', 'message', 'statusCode']);
  return res.body as { statusCode: number; error: string; code: string; message: string; details?: unknown };
}
