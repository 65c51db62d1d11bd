/**
 * A public page's data: the API replies its loaders name (web/src/loaders.ts), read through the
 * API itself (`app.inject`), so the page shows exactly what the JSON API shows this reader
 * (visibility, tombstones, their own reactions) and the browser finds the same replies embedded.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RENDER_HEADER, RENDER_TOKEN } from './render-token.js';

export const SESSION_URL = '/api/auth/session';

export interface LoadedReplies {
  /** Replies by URL (only successful ones: a failed secondary read is left to the browser). */
  replies: Record<string, unknown>;
  /** The status of the page's own subject (the first request). */
  subjectStatus: number;
  subject: unknown;
}

export async function loadReplies(app: FastifyInstance, request: FastifyRequest, urls: string[]): Promise<LoadedReplies> {
  const headers: Record<string, string> = { [RENDER_HEADER]: RENDER_TOKEN, accept: 'application/json' };
  if (request.headers.cookie) headers.cookie = request.headers.cookie;
  if (request.headers['accept-language']) headers['accept-language'] = request.headers['accept-language'];
  const all = [SESSION_URL, ...urls];
  const answers = await Promise.all(all.map((url) => app.inject({ method: 'GET', url, headers })));
  const replies: Record<string, unknown> = {};
  answers.forEach((answer, i) => {
    if (answer.statusCode === 200) replies[all[i]!] = answer.json();
  });
  const subject = answers[1];
  return { replies, subjectStatus: subject?.statusCode ?? 200, subject: subject && subject.statusCode === 200 ? subject.json() : undefined };
}
