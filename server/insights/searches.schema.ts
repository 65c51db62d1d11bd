import { Type } from 'typebox';
import { DateTime, errors } from '../schemas/common.schema.js';

export const SearchTermsQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO date or date-time (UTC when it names no zone); default: 30 days before `to`' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO date or date-time (UTC when it names no zone); default: now' })),
});

export const SearchTermsReply = Type.Object({
  from: DateTime,
  to: DateTime,
  counting: Type.Boolean({ description: 'whether this server counts searches now (`PARLEY_SEARCH_TERMS`); the counts kept stay readable either way' }),
  items: Type.Array(
    Type.Object({
      term: Type.String({ description: 'the words as searched, normalised (NFKC, lower case, spaces collapsed, at most 100 characters)' }),
      count: Type.Integer({ description: 'searches in the window (first pages only)' }),
      results: Type.Integer({ description: 'what the latest of them found on its first page (at most 20)' }),
    }),
    { description: 'the 50 most searched terms, most searched first' },
  ),
  noResults: Type.Array(Type.Object({ term: Type.String(), count: Type.Integer() }), {
    description: 'the 50 most searched terms whose latest search found nothing, most searched first',
  }),
});

export const searchTermsErrors = errors(400, 401, 403, 404, 429);
