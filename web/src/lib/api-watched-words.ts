/**
 * The API calls of a community's watched words (moderators) and of the one-step undo of the
 * system's automatic actions in the moderation log. Kept out of api.ts so that only the pages that
 * use them, loaded on first use, carry them.
 */
import type { Static } from 'typebox';
import type * as words from '../../../server/safety/watched-words/watched-words.schema.js';
import { api, type CallOptions } from './api';

type Request = typeof api.request;

export type WatchedWord = Static<typeof words.WatchedWord>;
export type WatchedWordAction = WatchedWord['action'];
/** A rule as a moderator types it: saved with `addWatchedWord`, or tried unsaved with `testWatchedWords`. */
export type WatchedWordDraft = Static<typeof words.RuleBody>;
export type WatchedWordMatch = Static<typeof words.TestReply>['matches'][number];

export const WATCHED_WORD_ACTIONS = ['block', 'hold', 'flag', 'replace'] as const satisfies readonly WatchedWordAction[];
type Assert<T extends true> = T;
// The list above must name every action the server has, or this fails the type check.
export type WatchedWordActionsAreComplete = Assert<[WatchedWordAction] extends [(typeof WATCHED_WORD_ACTIONS)[number]] ? true : false>;

const enc = encodeURIComponent;

export function watchedWordCalls(request: Request) {
  const base = (slug: string) => `/communities/${enc(slug)}/watched-words`;
  return {
    /** Moderators: `401 not_signed_in`, `403 not_moderator`. */
    async watchedWords(slug: string, opts?: CallOptions): Promise<WatchedWord[]> {
      return (await request<Static<typeof words.RuleList>>('GET', base(slug), opts)).items;
    },
    /** `400 unsafe_pattern` (details.why), `400 invalid_pattern`. */
    async addWatchedWord(slug: string, rule: WatchedWordDraft, opts?: CallOptions): Promise<WatchedWord> {
      return (await request<Static<typeof words.RuleReply>>('POST', base(slug), { ...opts, body: rule })).rule;
    },
    /** `404 watched_word_not_found`. */
    async deleteWatchedWord(slug: string, id: number, opts?: CallOptions): Promise<void> {
      await request<void>('DELETE', `${base(slug)}/${id}`, opts);
    },
    /** What the saved rules and, when given, an unsaved one (`ruleId: null`) catch in `text`. */
    async testWatchedWords(slug: string, text: string, rule?: WatchedWordDraft, opts?: CallOptions): Promise<WatchedWordMatch[]> {
      const body: Static<typeof words.TestBody> = rule ? { text, rule } : { text };
      return (await request<Static<typeof words.TestReply>>('POST', `${base(slug)}/test`, { ...opts, body })).matches;
    },
    /** `409 already_undone`, `409 undo_superseded`, `400 not_undoable`. */
    undoLogEntry(slug: string, entryId: number, opts?: CallOptions): Promise<Static<typeof words.UndoReply>> {
      return request<Static<typeof words.UndoReply>>('POST', `/communities/${enc(slug)}/moderation-log/${entryId}/undo`, opts);
    },
  };
}

export const watchedWordsApi = watchedWordCalls(api.request);
