import { Type } from 'typebox';
import { Body, Text } from '../schemas/common.schema.js';
import { PASSWORD } from '../rules/input-rules.js';

const Email = Type.String({ format: 'email', maxLength: 254 });
/** Tokens are checked by the service, so that anything that is not one is the same `invalid_token` as a used one. */
const MailToken = Type.String({ minLength: 1, maxLength: 256, description: 'the `token` of the link in the mail' });

export const Accepted = Type.Object({}, { description: 'An empty object `{}`: accepted; a mail may follow.' });

export const ResetRequestBody = Body({ email: Email });

export const ResetConfirmBody = Body({ token: MailToken, password: Text(PASSWORD) });

export const VerifyBody = Body({
  token: Type.Optional(MailToken),
  code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', description: 'the six digits from the mail; signed in only' })),
});

export const ChangeEmailBody = Body({
  email: Email,
  password: Type.String({ minLength: 1, maxLength: 256, description: 'the current password' }),
});
