import { Type } from 'typebox';
import { Body, INT4_MAX, IdParams, errors } from '../schemas/common.schema.js';

export const ReadBody = Body({
  number: Type.Integer({ minimum: 1, maximum: INT4_MAX, description: 'the highest post number the reader has seen' }),
});
export const ReadReply = Type.Object({ lastReadNumber: Type.Integer({ description: '0 = never opened' }) });
export { IdParams };
export const readErrors = errors(400, 401, 403, 404, 429);
