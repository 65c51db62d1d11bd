import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/config.js';
import { writeRateLimit } from '../../security/security.plugin.js';
import { IdParams } from '../../schemas/common.schema.js';
import { TopicReply } from '../../topics/topics.schema.js';
import type { ServiceContext } from '../../write/unit-of-work.js';
import { clearTopicTimer, setSlowMode, setTopicTimer } from './calm.service.js';
import { calmErrors, SlowModeBody, TimerBody, TimerParams } from './calm.schema.js';

const ofTopic =
  "Moderators and admins of the topic's community only. Each change emits `topic.updated` on the topic and community channels and adds a public moderation-log entry; repeating it changes nothing.";

/** Calmer threads: slow mode and topic timers (server/safety/calm/). */
export const calmRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext }> = async (app, { config, ctx }) => {
  const tags = ['moderation'];
  const write = writeRateLimit(config);
  const response = { 200: TopicReply, ...calmErrors };

  app.put(
    '/api/topics/:id/slow-mode',
    {
      schema: {
        tags,
        summary: 'Set slow mode: members may reply once per N seconds (0 = off)',
        description: `${ofTopic} A member replying again sooner gets \`429 slow_mode\` with \`details.retryAfter\` (seconds left, also in Retry-After) and \`details.seconds\`. Moderators, admins and site admins are exempt; staff are not. Log action \`set_slow_mode\`, detail: the seconds.`,
        params: IdParams,
        body: SlowModeBody,
        response,
      },
      config: write,
    },
    async (request) => setSlowMode(ctx, request.viewer, request.params.id, request.body.seconds),
  );

  app.put(
    '/api/topics/:id/timers/:action',
    {
      schema: {
        tags,
        summary: 'Set a topic timer: close or open at a time, or close N days after the last reply',
        description: `${ofTopic} Body: \`{at}\` (a future time; \`400 timer_in_past\` otherwise) or \`{idleDays}\` (close only), not both (\`400 invalid_timer\`). One timer per action; setting it again replaces it. Timers run within a minute of being due, as the system (log \`lock_topic\` / \`unlock_topic\`, reason \`topic_timer\`), and are removed once run. Log action \`set_topic_timer\`, detail: JSON \`{action, at}\` or \`{action, idleDays}\`.`,
        params: TimerParams,
        body: TimerBody,
        response,
      },
      config: write,
    },
    async (request) => setTopicTimer(ctx, request.viewer, request.params.id, request.params.action, request.body),
  );

  app.delete(
    '/api/topics/:id/timers/:action',
    {
      schema: {
        tags,
        summary: 'Clear a topic timer',
        description: `${ofTopic} Log action \`clear_topic_timer\`, detail: JSON \`{action}\`.`,
        params: TimerParams,
        response,
      },
      config: write,
    },
    async (request) => clearTopicTimer(ctx, request.viewer, request.params.id, request.params.action),
  );
};
