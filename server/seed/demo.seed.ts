import type { FastifyBaseLogger as Logger } from 'fastify';
import type { ServiceContext } from '../live/outbox.js';

export async function seedDemoIfEmpty(_ctx: ServiceContext, _log: Logger): Promise<void> {}
