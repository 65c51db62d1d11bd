import { Type } from 'typebox';
import { Cursor, Nullable, Post, Ref, Topic } from '../schemas/common.schema.js';

export const SearchQuery = Type.Object({ q: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }), cursor: Type.Optional(Cursor) });

/** One hit: the post that matched, in its topic. */
export const SearchHit = Type.Object({
  topic: Ref(Topic),
  post: Ref(Post),
  snippet: Type.String({ description: 'plain text around the matches' }),
  snippetHtml: Type.String({ description: 'the snippet, HTML-escaped, matches wrapped in <mark>' }),
});
export const SearchReply = Type.Object({ items: Type.Array(SearchHit), nextCursor: Nullable(Type.String()) });
