import { Type } from 'typebox';
import { DateTime, errors, Nullable, Ref, SlugParams, User } from '../schemas/common.schema.js';

const when = 'from (inclusive) to `to` (exclusive)';

export const InsightsQuery = Type.Object({
  from: Type.Optional(
    Type.String({ maxLength: 40, description: `ISO date (\`2025-01-31\`, UTC midnight) or date and time; default: \`to\` − 30 days. Window: ${when}` }),
  ),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO date or date and time, exclusive; default: now' })),
  interval: Type.Optional(
    Type.String({ maxLength: 10, description: '`day` (default) or `week`: UTC days, or weeks from Monday 00:00 UTC; anything else is 400 `invalid_window`' }),
  ),
});

const count = (description: string) => Type.Integer({ minimum: 0, description });
const measure = (description: string) => Nullable(Type.Number(), { description: `${description}; null when there is nothing to measure` });

/**
 * Every figure, defined where it is declared: these descriptions are the definitions the API
 * reference shows (and the web's insights page beside each figure).
 */
export const FiguresProperties = {
  topics: count('topics started in the window that the public can read (not hidden, first post neither hidden nor deleted)'),
  questions: count('of those, questions'),
  replies: count(
    'qualifying replies written in the window: visible (not hidden, not deleted, topic not hidden), number > 1, by someone other than the topic’s author',
  ),
  activeContributors: count('distinct authors of visible posts written in the window'),
  newContributors: count('of those, members whose first visible post in the community ever is in the window (in the interval of that post)'),
  firstResponseMedianSeconds: measure(
    'median time from a topic’s start to its first qualifying reply, over the window’s topics that have one (replies count whenever they came)',
  ),
  firstResponseP90Seconds: measure('the 90th percentile of the same'),
  firstPeerResponseMedianSeconds: measure('median time to the first qualifying reply by someone who is not staff (staff: staff, moderator or admin role now)'),
  firstStaffResponseMedianSeconds: measure('median time to the first qualifying reply by staff'),
  unansweredRate: measure('share of the window’s topics at least 48 hours old at `to` (or now, if earlier) without a qualifying reply before then'),
  solvedRate: measure('share of the window’s questions with an accepted answer (a visible reply)'),
  solutionMedianSeconds: measure('median time from a question’s start to the choice of its accepted answer'),
  peerSolvedShare: measure('share of those accepted answers written by someone who is not staff'),
  staffReplyShare: measure('qualifying replies by staff ÷ qualifying replies'),
  flagsPer1000Posts: measure('members’ flags raised in the window × 1,000 ÷ visible posts written in the window'),
  flagSettleMedianSeconds: measure('median time from a flag raised in the window to a moderator resolving or dismissing it, over those settled'),
  superuserShare: measure('qualifying replies by the top 10 non-staff repliers ÷ qualifying replies (in `series`, each interval’s own top 10)'),
  ideaVotes: count('votes cast in the window (and not withdrawn) for ideas the public can read'),
  ideaStatusChanges: count('status changes (set or cleared) of those ideas in the window'),
};

export const Figures = Type.Object(FiguresProperties);

export const Superuser = Type.Object({
  user: Ref(User),
  replies: Type.Integer({ description: 'qualifying replies in the window' }),
  acceptedAnswers: Type.Integer({ description: 'of those, accepted answers' }),
});

export const InsightsReply = Type.Object({
  from: DateTime,
  to: Type.String({ format: 'date-time', description: 'exclusive' }),
  interval: Type.Union([Type.Literal('day'), Type.Literal('week')]),
  totals: Figures,
  series: Type.Array(Type.Object({ start: Type.String({ format: 'date-time', description: 'the interval’s first instant' }), ...FiguresProperties }), {
    description:
      'one entry per interval the window touches, oldest first; the first may start before `from` and the last end after `to`: each counts only the window',
  }),
  superusers: Type.Array(Superuser, {
    description: 'the top 10 non-staff members by qualifying replies in the window (then accepted answers, then who wrote first), most first',
  }),
});

export const HealthReply = Type.Object({
  from: DateTime,
  to: DateTime,
  solvedRate: FiguresProperties.solvedRate,
  firstResponseMedianSeconds: FiguresProperties.firstResponseMedianSeconds,
  memberReplyShare: measure('share of qualifying replies written by members without a staff role: 1 − staffReplyShare'),
});

export { SlugParams };
export const insightsErrors = errors(400, 401, 403, 404, 429);
export const healthErrors = errors(400, 404, 429);
