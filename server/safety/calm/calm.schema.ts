import { Type } from 'typebox';
import { Body, errors, IdParams } from '../../schemas/common.schema.js';
import { SLOW_MODE_MAX_SECONDS } from './slow-mode.js';
import { IDLE_DAYS_MAX, IDLE_DAYS_MIN } from './calm.service.js';

export const SlowModeBody = Body({
  seconds: Type.Integer({ minimum: 0, maximum: SLOW_MODE_MAX_SECONDS, description: 'a member may reply once per this many seconds; 0 turns slow mode off' }),
});

export const TimerParams = Type.Object({
  id: IdParams.properties.id,
  action: Type.Union([Type.Literal('close'), Type.Literal('open')], { description: 'close locks the topic, open unlocks it' }),
});

export const TimerBody = Body({
  at: Type.Optional(Type.String({ format: 'date-time', description: 'a time in the future (close or open)' })),
  idleDays: Type.Optional(
    Type.Integer({ minimum: IDLE_DAYS_MIN, maximum: IDLE_DAYS_MAX, description: 'close only: close this many days after the last reply' }),
  ),
});

export const calmErrors = errors(400, 401, 403, 404, 429);
