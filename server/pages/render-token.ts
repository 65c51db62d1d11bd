import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/**
 * Marks the API reads a page render makes through `app.inject` (one page, a few reads): they are
 * the page request's own work, already counted where it arrived, so the per-address API limit
 * (all of them come from 127.0.0.1) must not count them again. Random per process: nobody outside
 * can send it.
 */
export const RENDER_TOKEN = randomBytes(18).toString('base64url');
export const RENDER_HEADER = 'x-parley-render';

export const isRenderRead = (request: FastifyRequest): boolean => request.headers[RENDER_HEADER] === RENDER_TOKEN;
