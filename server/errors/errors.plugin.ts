import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, STATUS_TEXT } from './errors.js';

/** Fastify's own error codes for bad input, mapped to our stable codes. */
const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_content_length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_BAD_URL: [400, 'invalid_url'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'url_too_long'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'invalid_input'],
  FST_ERR_CTP_INVALID_TYPE: [400, 'invalid_input'],
};

function describe(error: FastifyError): { status: number; code: string; message: string; details?: unknown } {
  if (error instanceof AppError) return { status: error.statusCode, code: error.code, message: error.message, details: error.details };
  if (error.validation) {
    const first = error.validation[0];
    const where = error.validationContext ?? 'input';
    const field = first?.instancePath
      ? first.instancePath.replace(/^\//, '').replace(/\//g, '.')
      : (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    return {
      status: 400,
      code: 'invalid_input',
      message: `${where}${field ? `.${field}` : ''} ${first?.message ?? 'is invalid'}`,
      details: { in: where, field: field ?? null },
    };
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) return { status: known[0], code: known[1], message: error.message };
  // JSON.parse failures and prototype-poisoning attempts from secure-json-parse.
  if (error instanceof SyntaxError || /prototype/i.test(error.message)) return { status: 400, code: 'invalid_json', message: 'The body is not valid JSON.' };
  if (error.statusCode === 429) return { status: 429, code: 'rate_limited', message: error.message };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, code: (error.code ?? 'bad_request').toLowerCase(), message: error.message };
  }
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side.' };
}

/** Answers with the public shape of an error: stable codes for clients, full context in the log for 5xx only. */
export function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const { status, code, message, details } = describe(error);
  if (status >= 500) request.log.error({ err: error, url: request.url, method: request.method }, 'request failed');
  const retryAfter = (details as { retryAfter?: number } | undefined)?.retryAfter;
  if (status === 429 && retryAfter) reply.header('retry-after', String(retryAfter));
  // Messages may quote the request (a URL, a value): never echo more than a line of it.
  const shortMessage = message.length > 300 ? `${message.slice(0, 300)}…` : message;
  const body: Record<string, unknown> = { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', code, message: shortMessage };
  if (details !== undefined) body.details = details;
  return reply.status(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** One error handler for every route. (Errors raised before routing reach sendError through Fastify's frameworkErrors option.) */
export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => sendError(error, request, reply));
  },
  { name: 'errors' },
);
