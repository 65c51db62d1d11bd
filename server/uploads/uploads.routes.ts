import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import type { Db } from '../../db/client.js';
import type { Config } from '../config/config.js';
import { requireUser } from '../auth/auth.plugin.js';
import { errors } from '../schemas/common.schema.js';
import { createValidatorCompiler } from '../security/validation.js';
import { requireSiteAdmin } from '../safety/spam/site-admin.guard.js';
import type { BlobStore } from './storage/blob-store.js';
import { multipartRequired, readUploadForm } from './uploads.form.js';
import { UploadForm, UploadNameParams, UploadReply, UploadUsageReply } from './uploads.schema.js';
import { fileToServe, uploadNotFound } from './uploads.serve.js';
import { createUpload } from './uploads.service.js';
import { uploadUsage } from './uploads.usage.js';

/** Uploads per account (or address) per minute: a composer pasting screenshots sends a few, not hundreds. */
const UPLOADS_PER_MINUTE = 30;

/**
 * A file's own answer may not run anything, whatever its bytes are: no script, no plugin, no form,
 * no same-origin access (sandbox), only its own image and inline styles for the browser's viewer.
 */
export const UPLOAD_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'";

/** RFC 8187: UTF-8, percent-encoded, with the characters encodeURIComponent leaves but the header grammar does not allow. */
const rfc8187 = (name: string) => encodeURIComponent(name).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const contentType = (type: string) => (type === 'text/plain' ? 'text/plain; charset=utf-8' : type);

export const uploadRoutes: FastifyPluginAsyncTypebox<{ config: Config; db: Db; store: BlobStore }> = async (app, { config, db, store }) => {
  const tags = ['uploads'];
  const deps = { db, store, limits: config.uploads };

  // The multipart parser, for this one route only: every other route takes JSON and nothing else.
  await app.register(async (form) => {
    await form.register(multipart, { limits: { fileSize: config.uploads.maxFileBytes, files: 1 } });
    // Any other body (text/plain, form-urlencoded, octet-stream) is told what this route wants.
    form.addContentTypeParser('*', (_request, _payload, done) => done(multipartRequired(), undefined));
    const validator = createValidatorCompiler();
    form.post(
      '/api/uploads',
      {
        schema: {
          tags,
          summary: 'Upload a file for a post',
          description:
            'Signed in. `multipart/form-data` with one file in the field `file`, and `community` (a slug) for files other than images. ' +
            'The type is decided from the bytes: PNG, JPEG, WebP and GIF images (decoded and re-encoded, which drops EXIF and GPS ' +
            'data; scaled to fit the configured largest size; animations kept), and PDFs and text logs only where the community accepts ' +
            'them (served as downloads). Anything else, SVG and HTML included, is `415 unsupported_type`. Limits: ' +
            `\`413 file_too_large\` over ${config.uploads.maxFileBytes} bytes (\`details.limit\`), \`413 image_too_large\` over ` +
            `${config.uploads.maxPixels} pixels, \`422 unreadable_file\` for a damaged or cut-off file, \`429 upload_quota_exceeded\` ` +
            'over the daily allowance (smaller for new accounts; `details.limit`, `details.retryAfter`), and ' +
            `${UPLOADS_PER_MINUTE} a minute. Sending the same bytes again within a day answers the same upload (200) and counts nothing. ` +
            'Show it in a post with Markdown: `![name](url)` for an image, `[name](url)` for a download. Other errors: `400 file_missing`, ' +
            '`400 invalid_upload` (a malformed form, more than one file), `404 community_not_found`, `415 multipart_required`.\n\n' +
            '`GET <url>` (and HEAD) serves the processed file with a fixed `Content-Type`, `X-Content-Type-Options: nosniff`, a CSP ' +
            '`sandbox`, and `Content-Disposition: attachment` for files other than images; `<hash>-thumb.<ext>` is the image as the ' +
            'thread shows it (the file itself when it is small). It is served to whoever may read at least one post that shows it, and ' +
            'to its sender before it is posted; anyone else gets `404 upload_not_found`, as for a file that does not exist (a file used ' +
            'only by hidden or deleted posts, or in a hidden topic). Cached privately for a year; `ETag` is the hash, `If-None-Match` answers 304.',
          consumes: ['multipart/form-data'],
          body: UploadForm,
          response: { 200: UploadReply, 201: UploadReply, ...errors(400, 401, 403, 404, 413, 415, 422, 429) },
        },
        // The form is checked as it streams (readUploadForm); the body schema documents it.
        validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : validator(route)),
        config: config.rateLimits
          ? { rateLimit: { max: UPLOADS_PER_MINUTE, timeWindow: '1 minute', keyGenerator: (request) => `upload:${request.viewer?.user?.id ?? request.ip}` } }
          : {},
      },
      async (request, reply) => {
        requireUser(request);
        const sent = await readUploadForm(request, config.uploads.maxFileBytes);
        const { created, upload } = await createUpload(deps, request.viewer, sent);
        return reply.status(created ? 201 : 200).send({ upload });
      },
    );
  });

  app.get(
    '/uploads/:name',
    {
      // Not part of the API reference (its paths are /api/ only): POST /api/uploads describes what its URLs answer.
      schema: {
        hide: true,
        params: UploadNameParams,
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), 304: Type.Null(), ...errors(404) },
      },
    },
    async (request, reply) => {
      const file = await fileToServe({ db, store }, request.viewer, request.params.name, request.headers['if-none-match']);
      reply
        .header('content-security-policy', UPLOAD_CSP)
        .header('x-content-type-options', 'nosniff')
        // The bytes at a URL never change, but whether this viewer may see them does (a post hidden
        // tomorrow): private, so no shared cache goes on serving the file to others after that.
        .header('cache-control', 'private, max-age=31536000, immutable')
        .header('etag', `"${file.etag}"`)
        .header('content-disposition', file.downloadName === null ? 'inline' : `attachment; filename*=UTF-8''${rfc8187(file.downloadName)}`);
      if (file.bytes === null) return reply.status(304).send(null);
      return reply.type(contentType(file.type)).send(file.bytes);
    },
  );

  // Anything else under /uploads/ is no page: the same not-found, never the web app.
  app.get('/uploads/*', { schema: { hide: true } }, async () => {
    throw uploadNotFound();
  });

  app.get(
    '/api/admin/uploads',
    {
      schema: {
        tags,
        summary: 'Storage used by uploads, site-wide (site admins)',
        response: { 200: UploadUsageReply, ...errors(401, 403) },
      },
    },
    async (request) => {
      requireSiteAdmin(request.viewer);
      return uploadUsage(db);
    },
  );
};
