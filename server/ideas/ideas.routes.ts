import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { writeRateLimit } from '../security/security.plugin.js';
import { IdParams, IdeaStatusBody, TopicReply, VoteReply, ideaErrors } from './ideas.schema.js';
import { setIdeaStatus, setVote } from './ideas.service.js';

export const ideaRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext }> = async (app, { config, ctx }) => {
  const tags = ['ideas'];
  const write = writeRateLimit(config);
  const voteRules = 'Idempotent. `409 not_an_idea` for other kinds, `403 banned`, `403 topic_locked` (a lock closes the tally for everyone, moderators too).';

  app.post(
    '/api/topics/:id/vote',
    {
      schema: { tags, summary: 'Vote for an idea', description: voteRules, params: IdParams, response: { 200: VoteReply, ...ideaErrors } },
      config: write,
    },
    async (request) => setVote(ctx, request.viewer, request.params.id, true),
  );

  app.delete(
    '/api/topics/:id/vote',
    {
      schema: { tags, summary: 'Withdraw your vote for an idea', description: voteRules, params: IdParams, response: { 200: VoteReply, ...ideaErrors } },
      config: write,
    },
    async (request) => setVote(ctx, request.viewer, request.params.id, false),
  );

  app.put(
    '/api/topics/:id/idea-status',
    {
      schema: {
        tags,
        summary: 'Answer an idea with a status, or clear it (staff, moderators, admins)',
        description:
          'The note is trimmed; empty means none. Setting the same status and note again changes nothing. ' +
          "A change notifies the idea's author and its voters. `status: null` clears the status and its note " +
          '(the idea shows no answer again): it adds a `clear_idea_status` entry to the public moderation log (its `detail` is the status ' +
          'it had) and emits `topic.updated`, but notifies nobody; clearing an idea without a status changes nothing. ' +
          '`403 not_staff`, `409 not_an_idea`.',
        params: IdParams,
        body: IdeaStatusBody,
        response: { 200: TopicReply, ...ideaErrors },
      },
      config: write,
    },
    async (request) => setIdeaStatus(ctx, request.viewer, request.params.id, request.body),
  );
};
