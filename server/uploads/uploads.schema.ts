import { Type } from 'typebox';
import { UPLOAD_FILE_TYPES, UPLOAD_IMAGE_TYPES } from '../../db/schema.js';

const UploadTypeSchema = Type.Union(
  [...UPLOAD_IMAGE_TYPES, ...UPLOAD_FILE_TYPES].map((t) => Type.Literal(t)),
  { description: 'decided from the bytes, never from the name or the declared type' },
);

/** Documents the form (multipart/form-data): it is read as it streams, with the limits in the route's description. */
export const UploadForm = Type.Object({
  file: Type.String({ format: 'binary', description: 'the file: an image (PNG, JPEG, WebP, GIF), or a PDF or text log where the community accepts them' }),
  community: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'slug of the community the composer is in: needed for files other than images' }),
  ),
});

export const UploadReply = Type.Object({
  upload: Type.Object({
    id: Type.Integer(),
    url: Type.String({ description: 'a path on this site, `/uploads/<hash>.<ext>`; images also have `/uploads/<hash>-thumb.<ext>` for the thread' }),
    type: UploadTypeSchema,
    size: Type.Integer({ description: 'bytes of the stored file (images are re-encoded, so not the size sent)' }),
    width: Type.Optional(Type.Integer({ description: 'images: pixels, after scaling to the largest size kept' })),
    height: Type.Optional(Type.Integer()),
    name: Type.Optional(Type.String({ description: 'downloads only (not images): the name it is saved under' })),
  }),
});

export const UploadNameParams = Type.Object({
  name: Type.String({ maxLength: 100, description: '`<hash>.<ext>` or `<hash>-thumb.<ext>`' }),
});

export const UploadUsageReply = Type.Object({
  files: Type.Integer({ description: 'stored files: each content once, however often it was sent' }),
  bytes: Type.Integer({ description: 'their bytes, thumbnails apart' }),
  thumbnailBytes: Type.Integer(),
  uploads: Type.Integer({ description: 'sendings kept (a member sending a file; quotas count these)' }),
  last24h: Type.Object({ uploads: Type.Integer(), bytes: Type.Integer({ description: 'bytes as sent' }) }),
  orphaned: Type.Object(
    { files: Type.Integer(), bytes: Type.Integer({ description: 'with their thumbnails' }) },
    { description: 'stored files no post shows: uploads not posted yet, removed by maintenance a day after they were sent' },
  ),
});
