import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/config.js';
import { writeRateLimit } from '../../security/security.plugin.js';
import { SlugParams } from '../../schemas/common.schema.js';
import type { ServiceContext } from '../../write/unit-of-work.js';
import { undoAutomaticAction } from '../../moderation/undo.service.js';
import { LogEntryParams, RuleBody, RuleList, RuleParams, RuleReply, TestBody, TestReply, UndoReply, watchedWordErrors } from './watched-words.schema.js';
import { createRule, deleteRule, listRules, testRules } from './watched-words.service.js';
import { followRuleChanges } from './rules.cache.js';

const who = 'Moderators and admins of the community, and site admins: `401 not_signed_in` for guests, `403 not_moderator` for anyone else.';
const applied =
  'Rules apply to new topics (title and body), replies, embed comments, edits of posts and retitles. The strongest matching rule wins: block > hold > flag > replace. ' +
  'Block, hold and flag do not apply to the community’s moderators and admins (and site admins); replace applies to everyone. ' +
  'Every hold and flag is in the public moderation log as the system’s, with `ruleId`; a replacement is not logged (the post shows it). Rules are not logged publicly: the list would teach spammers what to avoid.';

export const watchedWordRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext }> = async (app, { config, ctx }) => {
  const tags = ['safety'];
  const write = writeRateLimit(config);
  const { db } = ctx;
  // Rules are kept per process: a change made on any process reaches this one's at once.
  const stopFollowing = followRuleChanges(db, ctx.bus);
  app.addHook('onClose', async () => stopFollowing());

  app.get(
    '/api/communities/:slug/watched-words',
    {
      schema: {
        tags,
        summary: 'The community’s watched words and patterns',
        description: `${who} ${applied}`,
        params: SlugParams,
        response: { 200: RuleList, ...watchedWordErrors },
      },
    },
    async (request) => listRules(db, request.viewer, request.params.slug),
  );

  app.post(
    '/api/communities/:slug/watched-words',
    {
      schema: {
        tags,
        summary: 'Add a watched word or pattern',
        description: `${who} ${applied}`,
        params: SlugParams,
        body: RuleBody,
        response: { 201: RuleReply, ...watchedWordErrors },
      },
      config: write,
    },
    async (request, reply) => reply.code(201).send(await createRule(ctx, request.viewer, request.params.slug, request.body)),
  );

  app.delete(
    '/api/communities/:slug/watched-words/:id',
    {
      schema: { tags, summary: 'Remove a watched word', description: who, params: RuleParams, response: { 204: { type: 'null' }, ...watchedWordErrors } },
      config: write,
    },
    async (request, reply) => {
      await deleteRule(ctx, request.viewer, request.params.slug, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/communities/:slug/watched-words/test',
    {
      schema: {
        tags,
        summary: 'What the rules (and an unsaved one) would catch in a sample text',
        description: `${who} Nothing is stored. An unsaved \`rule\` is checked as saving it would be (400 \`unsafe_pattern\`, \`invalid_pattern\`).`,
        params: SlugParams,
        body: TestBody,
        response: { 200: TestReply, ...watchedWordErrors },
      },
    },
    async (request) => testRules(db, request.viewer, request.params.slug, request.body),
  );

  app.post(
    '/api/communities/:slug/moderation-log/:id/undo',
    {
      schema: {
        tags: ['moderation'],
        summary: 'Undo an automatic action in one step',
        description:
          `${who} Releases what the system held (a watched-word rule, a held first post or topic) or hid (the flag threshold), or dismisses a rule’s flag; ` +
          'the undo is a log entry of its own and the original is presented with `undone: true`. Again: `409 already_undone`; after a moderator decided otherwise: `409 undo_superseded`; ' +
          'an entry that is not an automatic hold, hide or flag: `400 not_undoable`.',
        params: LogEntryParams,
        response: { 200: UndoReply, ...watchedWordErrors },
      },
      config: write,
    },
    async (request) => undoAutomaticAction(ctx, request.viewer, request.params.slug, request.params.id),
  );
};
