/**
 * Errors that reach clients. Each carries an HTTP status and a stable snake_case code that
 * clients may branch on; the message is for humans and may change. The reply's message is the
 * catalogue's `errors.<code>` in the reader's language (server/errors/errors.plugin.ts), with the
 * details as its parameters: put every value the sentence names into `details`. The message given
 * here is the English fallback (and what logs show).
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Public, machine-readable context (e.g. limits), sent alongside the code. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) => new AppError(400, code, message, details);
export const unauthorized = (code = 'not_signed_in', message = 'Sign in to do this.', details?: Record<string, unknown>) =>
  new AppError(401, code, message, details);
export const forbidden = (code: string, message: string, details?: Record<string, unknown>) => new AppError(403, code, message, details);
export const notFound = (code: string, message: string, details?: Record<string, unknown>) => new AppError(404, code, message, details);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) => new AppError(409, code, message, details);
export const tooLarge = (code: string, message: string, details?: Record<string, unknown>) => new AppError(413, code, message, details);
export const unsupportedType = (code: string, message: string, details?: Record<string, unknown>) => new AppError(415, code, message, details);
export const unprocessable = (code: string, message: string, details?: Record<string, unknown>) => new AppError(422, code, message, details);
/** This process cannot serve it now (it is stopping); another one can. */
export const unavailable = (code: string, message: string, details?: Record<string, unknown>) => new AppError(503, code, message, details);
export const tooMany = (code: string, message: string, retryAfterSeconds: number, details?: Record<string, unknown>) =>
  new AppError(429, code, message, { ...details, retryAfter: retryAfterSeconds });

export const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
