/**
 * The API calls of calmer threads (a topic's slow mode and timers): moderators' tools, kept out of
 * api.ts so that only the moderator tools, loaded for moderators, carry them.
 */
import type { Static } from 'typebox';
import type * as calm from '../../../server/safety/calm/calm.schema.js';
import type * as topics from '../../../server/topics/topics.schema.js';
import { api, type CallOptions, type Topic } from './api';

type Request = typeof api.request;

export type TopicTimer = Topic['timers'][number];
export type TopicTimerAction = TopicTimer['action'];
/** `{at}` (an ISO time in the future) or, for close only, `{idleDays}`. */
export type TimerSetting = Static<typeof calm.TimerBody>;

export function calmCalls(request: Request) {
  return {
    /** 0 turns slow mode off. `403 not_moderator`, `400` outside 0..86400. */
    async setSlowMode(topicId: number, seconds: number, opts?: CallOptions): Promise<Topic> {
      const body = { seconds } satisfies Static<typeof calm.SlowModeBody>;
      return (await request<Static<typeof topics.TopicReply>>('PUT', `/topics/${topicId}/slow-mode`, { ...opts, body })).topic;
    },
    /** `400 timer_in_past`, `400 invalid_timer`. */
    async setTopicTimer(topicId: number, action: TopicTimerAction, setting: TimerSetting, opts?: CallOptions): Promise<Topic> {
      return (await request<Static<typeof topics.TopicReply>>('PUT', `/topics/${topicId}/timers/${action}`, { ...opts, body: setting })).topic;
    },
    async clearTopicTimer(topicId: number, action: TopicTimerAction, opts?: CallOptions): Promise<Topic> {
      return (await request<Static<typeof topics.TopicReply>>('DELETE', `/topics/${topicId}/timers/${action}`, opts)).topic;
    },
  };
}

export const calmApi = calmCalls(api.request);
