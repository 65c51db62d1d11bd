import { Type } from 'typebox';
import { DateTime, errors, Ref, User } from '../../schemas/common.schema.js';

export const IgnoreParams = Type.Object({ handle: Type.String({ minLength: 1, maxLength: 64 }) });

export const IgnoredList = Type.Object({
  items: Type.Array(Type.Object({ user: Ref(User), since: DateTime })),
});

export const ignoreErrors = errors(400, 401, 404, 409, 429);
