import { Type } from 'typebox';
import { Body, errors, IdeaStatusName, IdParams, Nullable, Ref, Topic } from '../schemas/common.schema.js';

export const NOTE_MAX = 2000;

export const VoteReply = Type.Object({
  votes: Type.Integer({ description: 'the idea\'s votes after this request' }),
  voted: Type.Boolean({ description: 'whether the viewer now votes for it' }),
});

export const IdeaStatusBody = Body({
  status: IdeaStatusName,
  note: Type.Optional(Nullable(Type.String({ maxLength: NOTE_MAX, description: 'public explanation; trimmed, empty means none' }))),
});

export const TopicReply = Type.Object({ topic: Ref(Topic) });
export { IdParams };
export const ideaErrors = errors(400, 401, 403, 404, 409, 429);
