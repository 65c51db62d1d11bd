import { Type } from 'typebox';
import { Body, errors, IdeaStatusName, IdParams, Nullable, Ref, Text, Topic } from '../schemas/common.schema.js';
import { IDEA_NOTE } from '../rules/input-rules.js';

export const VoteReply = Type.Object({
  votes: Type.Integer({ description: "the idea's votes after this request" }),
  voted: Type.Boolean({ description: 'whether the viewer now votes for it' }),
});

export const IdeaStatusBody = Body({
  status: Nullable(IdeaStatusName, { description: 'null clears the status (and its note): the idea has no answer again' }),
  note: Type.Optional(Nullable(Text(IDEA_NOTE, { description: 'public explanation; trimmed, empty means none; ignored when clearing' }))),
});

export const TopicReply = Type.Object({ topic: Ref(Topic) });
export { IdParams };
export const ideaErrors = errors(400, 401, 403, 404, 409, 429);
