import { Type } from 'typebox';
import { Ref, RoleName, User } from '../schemas/common.schema.js';
import { ReputationSummary } from '../reputation/reputation.schema.js';

export const HandleParams = Type.Object({ handle: Type.String({ minLength: 1, maxLength: 64 }) });

export const ProfileReply = Type.Object({
  user: Ref(User),
  stats: Type.Object(
    {
      posts: Type.Integer(),
      helpful: Type.Integer({ description: 'helpful marks from others' }),
      solutions: Type.Integer({ description: "accepted answers to other people's topics" }),
    },
    { description: 'visible posts in visible topics only' },
  ),
  reputation: ReputationSummary,
  roles: Type.Array(Type.Object({ community: Type.String({ description: 'community slug' }), communityName: Type.String(), role: RoleName }), {
    description: 'staff, moderator and admin roles only',
  }),
});
