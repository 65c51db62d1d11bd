import { Type } from 'typebox';
import { WATCHED_WORD_ACTIONS } from '../../../db/schema.js';
import { Body, DateTime, errors, Id, Nullable, SlugParams } from '../../schemas/common.schema.js';
import { MAX_PATTERN_LENGTH } from './pattern-safety.js';

const Action = Type.Enum(WATCHED_WORD_ACTIONS, {
  description:
    'block: refused with `422 blocked_by_rule` and the message; hold: stored hidden pending review; flag: stored, and queued for moderators; replace: the match is replaced',
});

const RuleFields = {
  pattern: Type.String({
    minLength: 1,
    maxLength: MAX_PATTERN_LENGTH,
    pattern: '\\S',
    description:
      'a word or phrase (matched whole, case-insensitively, through look-alike letters, accents, zero-width characters and spaced-out spelling), or with `isPattern` a regular expression matched on the same normalised, lower-cased text and anchored to word boundaries',
  }),
  action: Action,
  replacement: Type.Optional(Type.String({ maxLength: 100, description: 'for `replace`: what takes the match’s place (default `•••`)' })),
  message: Type.Optional(Type.String({ maxLength: 300, description: 'for `block`: the public message the writer is shown' })),
  isPattern: Type.Optional(
    Type.Boolean({
      description:
        'a regular expression; refused with `400 unsafe_pattern` when it could run away on crafted text (nested or alternated repeats, backreferences, lookarounds, too many repeats) and `400 invalid_pattern` when it is not one. Unbounded repeats reach 20 characters.',
    }),
  ),
};

export const RuleBody = Body(RuleFields);
export const WatchedWord = Type.Object({
  id: Type.Integer(),
  pattern: Type.String(),
  isPattern: Type.Boolean(),
  action: Action,
  replacement: Nullable(Type.String()),
  message: Nullable(Type.String()),
  createdAt: DateTime,
});
export const RuleReply = Type.Object({ rule: WatchedWord });
export const RuleList = Type.Object({ items: Type.Array(WatchedWord) });
export const RuleParams = Type.Object({ slug: SlugParams.properties.slug, id: Id });

export const TestBody = Body({
  text: Type.String({ maxLength: 50_000, description: 'sample text' }),
  rule: Type.Optional(
    Type.Object(RuleFields, { additionalProperties: false, description: 'an unsaved rule to try alongside the saved ones (its matches have `ruleId: null`)' }),
  ),
});
export const TestReply = Type.Object({
  matches: Type.Array(
    Type.Object({
      ruleId: Nullable(Type.Integer({ description: 'null for the unsaved rule' })),
      action: Action,
      excerpt: Type.String({ description: 'the match with up to 30 characters either side' }),
      match: Type.String({ description: 'the matched text as written' }),
    }),
  ),
});

export const LogEntryParams = Type.Object({ slug: SlugParams.properties.slug, id: Id });
export const UndoReply = Type.Object({
  entryId: Type.Integer({ description: 'the undone entry (now presented with `undone: true`)' }),
  undoneByLogId: Type.Integer({ description: 'the log entry that records the undo' }),
});

export const watchedWordErrors = errors(400, 401, 403, 404, 409, 413, 429);
