import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, STATUS_TEXT } from './errors.js';
import type { ErrorMessages } from '../i18n/error-messages.js';
import { readerLocale } from '../i18n/i18n.plugin.js';
import type { Translator } from '../i18n/translator.js';

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

/** Context for the messages of Fastify's own codes (the catalogue's `errors.<code>` names them). */
const FASTIFY_DETAILS: Record<string, Record<string, unknown>> = {
  invalid_input: { in: 'request', field: null },
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
  if (known) return { status: known[0], code: known[1], message: error.message, ...(FASTIFY_DETAILS[known[1]] ? { details: FASTIFY_DETAILS[known[1]] } : {}) };
  // JSON.parse failures and prototype-poisoning attempts from secure-json-parse.
  if (error instanceof SyntaxError || /prototype/i.test(error.message)) return { status: 400, code: 'invalid_json', message: 'The body is not valid JSON.' };
  if (error.statusCode === 429) return { status: 429, code: 'rate_limited', message: error.message };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, code: (error.code ?? 'bad_request').toLowerCase(), message: error.message };
  }
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side.' };
}

/** The message in the reader's language (`errors.<code>` with the details), else as thrown. */
async function localMessage(request: FastifyRequest, code: string, details: unknown, message: string): Promise<string> {
  const parley = (request.server as { parley?: { errorMessages?: ErrorMessages; translator?: Translator } }).parley;
  if (!parley?.errorMessages || !parley.translator) return message;
  try {
    const params = details && typeof details === 'object' && !Array.isArray(details) ? (details as Record<string, unknown>) : undefined;
    // Requests refused before routing (bad URLs) are plain ones, without request.locale: the browser decides.
    const locale = (await (request as { locale?: Promise<string> }).locale) ?? readerLocale(parley.translator, request.headers['accept-language'], null);
    return parley.errorMessages.message(locale, code, params, message);
  } catch (err) {
    request.log.warn({ err, code }, 'error message not translated');
    return message;
  }
}

/**
 * Answers with the public shape of an error: stable codes for clients, the message in the reader's
 * language (request.locale), full context in the log for 5xx only.
 */
export async function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const described = describe(error);
  const { status, code, details } = described;
  if (status >= 500) request.log.error({ err: error, url: request.url, method: request.method }, 'request failed');
  const message = await localMessage(request, code, details, described.message);
  // The message follows the reader's language: a shared cache must not hand one reader's to another.
  const vary = reply.getHeader('vary');
  if (
    !String(vary ?? '')
      .toLowerCase()
      .includes('accept-language')
  )
    reply.header('vary', vary ? `${String(vary)}, Accept-Language` : 'Accept-Language');
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
