import { Type } from 'typebox';
import { Body } from '../schemas/common.schema.js';
import { PostBody } from '../topics/topics.schema.js';

export const PreviewBody = Body({ body: PostBody });
export const PreviewReply = Type.Object({ html: Type.String(), links: Type.Integer({ description: 'links that count towards first-day limits' }) });
