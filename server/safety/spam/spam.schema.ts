import { Type } from 'typebox';
import { SIGNUP_CHALLENGE_MODES } from '../../../db/schema.js';
import { Body, Nullable } from '../../schemas/common.schema.js';

export const SignupChallengeMode = Type.Union(
  [Type.Literal(SIGNUP_CHALLENGE_MODES[0]), Type.Literal(SIGNUP_CHALLENGE_MODES[1]), Type.Literal(SIGNUP_CHALLENGE_MODES[2])],
  { description: 'off: never; on: every sign-up; auto: when sign-ups in the last 10 minutes pass the configured threshold' },
);

export const ChallengeReply = Type.Object({
  required: Type.Boolean({ description: 'whether POST /api/auth/signup needs `challenge` right now' }),
  challenge: Type.Optional(
    Type.Object(
      {
        algorithm: Type.String(),
        challenge: Type.String(),
        maxnumber: Type.Integer(),
        salt: Type.String(),
        signature: Type.String(),
      },
      {
        description:
          'An ALTCHA (v1) challenge: find `number` in 0..maxnumber with SHA-256(salt + number) = challenge, then send base64(JSON {algorithm, challenge, number, salt, signature}) as `challenge` of the sign-up. Expires (in the salt); works once.',
      },
    ),
  ),
});

export const SiteSettingsReply = Type.Object({
  signupChallenge: SignupChallengeMode,
  /** Whether a sign-up needs the challenge at this moment (mode on, or auto during a spike). */
  signupChallengeActive: Type.Boolean(),
  /** Sign-ups within 10 minutes beyond which `auto` asks for the challenge (configuration). */
  spikeThreshold: Type.Integer(),
});

export const SiteSettingsBody = Body({ signupChallenge: Type.Optional(SignupChallengeMode) });

const BlockedDomain = Type.Object({
  domain: Type.String(),
  createdAt: Type.String(),
  createdBy: Nullable(Type.String(), { description: 'the handle of the site admin who added it; null when that account is gone' }),
});
export const BlockedDomainReply = BlockedDomain;
export const BlockedDomainsReply = Type.Object({ items: Type.Array(BlockedDomain) });
export const BlockedDomainBody = Body({
  domain: Type.String({ minLength: 1, maxLength: 260, description: 'e.g. spam.example; its subdomains are blocked too' }),
});
export const DomainParams = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 260 }) });

export const SuspensionState = Type.Object({
  handle: Type.String(),
  displayName: Type.String(),
  suspended: Type.Boolean(),
  suspendedAt: Nullable(Type.String()),
  suspendedReason: Nullable(Type.String()),
});

export const SuspendBody = Body({
  reason: Type.String({ minLength: 1, maxLength: 500, description: 'shown to the member when they try to sign in, and in the public moderation logs' }),
  removeContent: Type.Optional(Type.Boolean({ description: 'also hide everything they posted, in every community (moderators can restore any of it)' })),
});

export const SuspendReply = Type.Object({
  user: SuspensionState,
  removed: Type.Object({ posts: Type.Integer(), topics: Type.Integer(), communities: Type.Integer() }),
});

export const SuspensionReply = Type.Object({ user: SuspensionState });
