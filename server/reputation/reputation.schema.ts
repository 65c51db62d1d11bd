import { Type } from 'typebox';
import { DateTime, errors, Ref, SlugParams, User } from '../schemas/common.schema.js';

export const Badge = Type.Object({ id: Type.String(), name: Type.String(), description: Type.String() });

export const ReputationSummary = Type.Object({
  peopleHelped: Type.Integer({ description: 'distinct others who marked their posts helpful or whose question they answered' }),
  helpfulReceived: Type.Integer(),
  solutions: Type.Integer({ description: "accepted answers to other people's topics" }),
  topicsStarted: Type.Integer(),
  badges: Type.Array(Badge, { description: 'earned badges only, in a fixed order' }),
});

export const HelpersQuery = Type.Object({
  period: Type.Optional(Type.Literal('month', { default: 'month', description: 'the current calendar month, UTC' })),
});

export const HelpersReply = Type.Object({
  items: Type.Array(
    Type.Object({
      user: Ref(User),
      helpful: Type.Integer(),
      solutions: Type.Integer(),
      score: Type.Integer({ description: '3 × solutions + helpful' }),
    }),
    { description: 'at most 10, best first' },
  ),
  from: DateTime,
  to: Type.String({ format: 'date-time', description: 'exclusive: the first instant of the next month' }),
});

export { SlugParams };
export const helperErrors = errors(400, 404, 429);
