import { Type } from 'typebox';
import { Body } from '../../schemas/common.schema.js';

export const DeleteAccountBody = Body({
  content: Type.Union([Type.Literal('anonymise'), Type.Literal('remove')], {
    description: '`anonymise`: your posts stay, under “a deleted member”; `remove`: your posts are removed (see the route)',
  }),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'your password: required for accounts that have one' })),
  confirm: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'your handle, typed out: how accounts without a password (SSO, embed) confirm' }),
  ),
});

/** Described, not serialised: the archive is streamed as it is read. */
export const ExportArchive = Type.Object(
  {
    format: Type.Literal('parley-export'),
    version: Type.Integer(),
    exportedAt: Type.String({ format: 'date-time' }),
    profile: Type.Object({}, { additionalProperties: true }),
  },
  {
    additionalProperties: true,
    description:
      'Lists beside the profile: memberships, topicsStarted, posts (with revisions and state), uploads (id, url, type, size as sent, fileName, createdAt), reactions, ideaVotes, notifications, ' +
      'notificationLevels, ignoredMembers, flagsFiled, sessions (no tokens), mailSent, bansReceived.',
  },
);
