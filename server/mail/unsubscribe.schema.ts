import { Type } from 'typebox';
import { Body, errors } from '../schemas/common.schema.js';

export const UnsubscribeParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 64 }) });

const Choices = Type.Object({
  notifications: Type.Union([Type.Literal('never'), Type.Literal('away'), Type.Literal('always')]),
  digest: Type.Union([Type.Literal('off'), Type.Literal('daily'), Type.Literal('weekly')]),
});

export const UnsubscribeState = Type.Object({
  stream: Type.Union([Type.Literal('topic'), Type.Literal('kind'), Type.Literal('digest'), Type.Literal('all')], {
    description: '`topic`: mail about one topic; `kind`: one kind of notification (e.g. mentions); `digest`; `all`: notification mail and the digest',
  }),
  target: Type.String({ description: 'the topic id (`topic`) or notification kind (`kind`); empty otherwise' }),
  label: Type.String({ description: 'what the link stops, in the reader’s language' }),
  unsubscribed: Type.Boolean({ description: 'whether that mail is stopped now' }),
  previous: Type.Optional(
    Type.Object(Choices.properties, {
      description: 'only when this call stopped the digest or all mail: the choices before, to pass to undo',
    }),
  ),
});

export const UndoBody = Body({
  notifications: Type.Optional(Type.Union([Type.Literal('away'), Type.Literal('always')], { description: 'for `all`; default `away`' })),
  digest: Type.Optional(Type.Union([Type.Literal('daily'), Type.Literal('weekly')], { description: 'for `digest` and `all`; default `weekly`' })),
});

export const unsubscribeErrors = errors(400, 404, 413, 415, 429);
