/**
 * Error messages in the reader's language: `errors.<code>` from the catalogues, with the error's
 * details as parameters (the web renders the same key from the same details). When the details
 * lack a value the sentence needs (an error thrown without them), the thrown English message is
 * kept rather than showing a hole.
 */
import { parse, type Token } from '@messageformat/parser';
import type { Translator } from './translator.js';

export const errorKey = (code: string) => `errors.${code}`;

/** Whether rendering `tokens` with `params` would read a value that is not there (select falls back to `other`, so only the branch taken counts). */
function needsMissing(tokens: Token[], params: Record<string, unknown>): boolean {
  for (const token of tokens) {
    switch (token.type) {
      case 'argument':
      case 'function':
        if (!Object.hasOwn(params, token.arg)) return true;
        break;
      case 'select': {
        // As the runtime picks a case: by the value's own text (null → "null"); objects never match.
        const value = params[token.arg];
        const key = value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
        const branch = token.cases.find((c) => c.key === key) ?? token.cases.find((c) => c.key === 'other');
        if (branch && needsMissing(branch.tokens, params)) return true;
        break;
      }
      case 'plural':
      case 'selectordinal':
        if (typeof params[token.arg] !== 'number') return true;
        for (const c of token.cases) if (needsMissing(c.tokens, params)) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

export interface ErrorMessages {
  /** The message for `code` in `locale`, or `fallback` when there is no such key or the details fall short. */
  message(locale: string, code: string, params: Record<string, unknown> | undefined, fallback: string): string;
}

export function createErrorMessages(translator: Translator): ErrorMessages {
  const parsed = new Map<string, Token[] | null>();
  const tokensOf = (key: string): Token[] | null => {
    if (!parsed.has(key)) {
      const text = translator.source(key);
      parsed.set(key, text === undefined ? null : parse(text));
    }
    return parsed.get(key)!;
  };
  return {
    message(locale, code, params, fallback) {
      const key = errorKey(code);
      const tokens = tokensOf(key);
      const values = params ?? {};
      if (!tokens || needsMissing(tokens, values)) return fallback;
      return translator.t(locale, key, values);
    },
  };
}
