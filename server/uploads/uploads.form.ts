/**
 * Reads the upload form (multipart/form-data: a `file`, optionally a `community` slug) as it
 * streams in, stopping at the size limit, and turns every way a form can be wrong into a 4xx
 * with a stable code.
 */
import type { FastifyRequest } from 'fastify';
import { AppError, badRequest, tooLarge, unsupportedType } from '../errors/errors.js';
import type { SentFile } from './uploads.service.js';

export const multipartRequired = () => unsupportedType('multipart_required', 'Send the file as multipart/form-data, in a field named "file".');

const invalidForm = (why: string) => badRequest('invalid_upload', `The upload form is not valid: ${why}.`);

/** `limit` in bytes, and the same in MB (rounded) for the sentence people read. */
export const fileTooLarge = (limit: number) =>
  tooLarge('file_too_large', `Files can be at most ${limit} bytes.`, { limit, megabytes: Math.round((limit / (1024 * 1024)) * 10) / 10 });

/** What @fastify/multipart and busboy throw, as ours. */
function asOurs(err: unknown, maxFileBytes: number): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return fileTooLarge(maxFileBytes);
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return multipartRequired();
  if (code === 'FST_FILES_LIMIT') return invalidForm('send one file');
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return invalidForm('too many fields');
  if (code === 'FST_PROTO_VIOLATION' || code === 'FST_INVALID_JSON_FIELD_ERROR') return invalidForm('a field is malformed');
  // busboy's own: a form cut short, a part without headers, no boundary.
  if (err instanceof Error && !code) return invalidForm('it is malformed or incomplete');
  return err;
}

/** A field's value: a slug is short; anything longer is not one. */
const COMMUNITY_MAX = 64;

export async function readUploadForm(request: FastifyRequest, maxFileBytes: number): Promise<SentFile> {
  if (!request.isMultipart()) throw multipartRequired();
  let file: { bytes: Buffer; fileName: string | null } | null = null;
  let communitySlug: string | null = null;
  try {
    const parts = request.parts({ limits: { fileSize: maxFileBytes, files: 1, fields: 4, fieldSize: 1024, parts: 5 } });
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw invalidForm(`the file goes in the field "file", not "${part.fieldname.slice(0, 40)}"`);
        file = { bytes: await part.toBuffer(), fileName: part.filename || null };
      } else if (part.fieldname === 'community') {
        const value = typeof part.value === 'string' ? part.value.trim() : '';
        if (value.length > COMMUNITY_MAX || part.valueTruncated) throw invalidForm('"community" is not a community');
        communitySlug = value || null;
      }
    }
  } catch (err) {
    throw asOurs(err, maxFileBytes);
  }
  if (!file) throw badRequest('file_missing', 'Choose a file to upload (the form field "file").');
  return { ...file, communitySlug };
}
