import { Type } from 'typebox';
import { Body, errors } from '../schemas/common.schema.js';

export const NotificationMailChoice = Type.Union([Type.Literal('never'), Type.Literal('away'), Type.Literal('always')], {
  description:
    '`away` (the default): mailed after a delay, only what you have not read and only if you were not on the site meanwhile; `always`: also while you are around; `never`',
});
export const DigestChoice = Type.Union([Type.Literal('off'), Type.Literal('daily'), Type.Literal('weekly')], {
  description: 'the digest of what happened while you were away: `weekly` (the default), `daily` or `off`',
});
export const SummaryChoice = Type.Union([Type.Literal('weekly'), Type.Literal('off')], {
  description:
    'the weekly summary for admins of a community (its figures against the week before, searches that found nothing, the inbox): `weekly` (the default) or `off`; only admins get it',
});
export const OptOutStream = Type.Union([Type.Literal('topic'), Type.Literal('kind')]);

export const OptOut = Type.Object({
  stream: OptOutStream,
  target: Type.String({
    description: 'the topic id (stream `topic`) or the notification kind (stream `kind`: reply, mention, solution, idea_status, moderation)',
  }),
  label: Type.String({ description: 'what it stops, in your language' }),
});

export const EmailPreferences = Type.Object({
  notifications: NotificationMailChoice,
  digest: DigestChoice,
  summary: SummaryChoice,
  optOuts: Type.Array(OptOut, { description: 'topics and kinds of notification you stopped by mail (unsubscribe links), oldest first' }),
});

export const EmailPreferencesBody = Body({
  notifications: Type.Optional(NotificationMailChoice),
  digest: Type.Optional(DigestChoice),
  summary: Type.Optional(SummaryChoice),
});

export const OptOutParams = Type.Object({ stream: OptOutStream, target: Type.String({ minLength: 1, maxLength: 32 }) });

export const preferencesErrors = errors(400, 401, 403, 413, 429);
