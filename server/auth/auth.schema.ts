import { Type } from 'typebox';
import { Body, errors, Handle, Nullable, Ref, RoleName, Text, User } from '../schemas/common.schema.js';
import { DISPLAY_NAME, PASSWORD } from '../rules/input-rules.js';

const Password = Text(PASSWORD);

export const SignupBody = Body({
  handle: Handle,
  email: Type.String({ format: 'email', maxLength: 254 }),
  password: Password,
  displayName: Type.Optional(Text(DISPLAY_NAME)),
  challenge: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'the solved ALTCHA challenge (base64 JSON), when GET /api/auth/signup-challenge says it is required',
    }),
  ),
});

export const LoginBody = Body({
  login: Type.String({ minLength: 1, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
});

export const PasswordBody = Body({ currentPassword: Type.String({ minLength: 1, maxLength: 256 }), newPassword: Password });

export const UserReply = Type.Object({ user: Ref(User) });
export const TokenReply = Type.Object({ token: Type.String(), expiresAt: Type.String(), user: Ref(User) });

/** A tag as clients may send it (the server then checks it against the catalogues). */
export const LocaleTag = Type.String({ minLength: 2, maxLength: 35, pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$' });

/** Who may mention a member (a mention the choice refuses notifies nothing; the text still shows it). */
// MENTIONS_FROM_CHOICES of db/schema.ts, spelled out so TypeBox keeps the literal types.
const MentionsFromName = Type.Union([Type.Literal('anyone'), Type.Literal('staff'), Type.Literal('nobody')], {
  description: 'who may notify you by mentioning you: `anyone`; `staff` (a staff, moderator or admin role in the community of the post); `nobody`',
});

/** The signed-in account as only its owner sees it: the public User plus the owner's own settings. */
export const MeUser = Type.Object({
  ...User.properties,
  locale: Nullable(Type.String(), {
    description: 'the interface language the member chose (one of the server’s locales); null: chosen automatically (community, then browser)',
  }),
  email: Nullable(Type.String(), { description: 'the account’s address (only its owner sees it); null for SSO accounts, which have none here' }),
  emailVerified: Type.Boolean({ description: 'the address is proven (by the link or code mailed to it); SSO accounts count as verified' }),
  pendingEmail: Nullable(Type.String(), { description: 'a new address asked for (PUT /api/me/email) and not yet verified; null: none' }),
  emailBouncing: Type.Boolean({ description: 'mail to the address bounces: only account mail (reset, verification) is still sent there' }),
  mentionsFrom: MentionsFromName,
});

export const PreferencesBody = Type.Object(
  {
    locale: Type.Optional(
      Nullable(LocaleTag, { description: 'one of the server’s locales (catalogue languages and the pseudo-locales en-XA, ar-XB); null: automatic' }),
    ),
    mentionsFrom: Type.Optional(MentionsFromName),
  },
  // Each field changes only when sent; an empty body is a mistake, not a no-op.
  { additionalProperties: false, minProperties: 1 },
);

export const MeReply = Type.Object({
  user: MeUser,
  isSiteAdmin: Type.Boolean(),
  memberships: Type.Array(
    Type.Object({
      community: Type.Object({ id: Type.Integer(), slug: Type.String(), name: Type.String() }),
      role: RoleName,
    }),
  ),
});

export const SessionReply = Type.Object({
  user: Type.Union([MeUser, Type.Null()]),
  isSiteAdmin: Type.Boolean(),
  memberships: MeReply.properties.memberships,
});

export const authErrors = errors(400, 401, 403, 409, 413, 429);
