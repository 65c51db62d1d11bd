import { Type } from 'typebox';
import { Body, errors, Handle, Ref, RoleName, Text, User } from '../schemas/common.schema.js';
import { DISPLAY_NAME, PASSWORD } from '../rules/input-rules.js';

const Password = Text(PASSWORD);

export const SignupBody = Body({
  handle: Handle,
  email: Type.String({ format: 'email', maxLength: 254 }),
  password: Password,
  displayName: Type.Optional(Text(DISPLAY_NAME)),
});

export const LoginBody = Body({
  login: Type.String({ minLength: 1, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
});

export const PasswordBody = Body({ currentPassword: Type.String({ minLength: 1, maxLength: 256 }), newPassword: Password });

export const UserReply = Type.Object({ user: Ref(User) });
export const TokenReply = Type.Object({ token: Type.String(), expiresAt: Type.String(), user: Ref(User) });

export const MeReply = Type.Object({
  user: Ref(User),
  isSiteAdmin: Type.Boolean(),
  memberships: Type.Array(
    Type.Object({
      community: Type.Object({ id: Type.Integer(), slug: Type.String(), name: Type.String() }),
      role: RoleName,
    }),
  ),
});

export const SessionReply = Type.Object({
  user: Type.Union([Ref(User), Type.Null()]),
  isSiteAdmin: Type.Boolean(),
  memberships: MeReply.properties.memberships,
});

export const authErrors = errors(400, 401, 403, 409, 413, 429);
