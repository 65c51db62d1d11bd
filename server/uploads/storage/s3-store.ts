import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { Config } from '../../config/config.js';
import { assertBlobKey, type BlobStore } from './blob-store.js';

type S3Settings = NonNullable<Config['uploads']['s3']>;

/** S3-compatible object storage (AWS, MinIO, Garage, R2…): one object per key under `prefix`. */
export class S3Store implements BlobStore {
  readonly #client: S3Client;

  constructor(readonly settings: S3Settings) {
    this.#client = new S3Client({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // Newer SDKs add CRC checksums to every request and check them on every answer; many
      // S3-compatible servers reject or lack them. Only operations that require one send it.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  #key(key: string): string {
    assertBlobKey(key);
    return `${this.settings.prefix}${key}`;
  }

  /** Objects are replaced whole, so writing the same bytes again is harmless and readers never see half of one. */
  async put(key: string, bytes: Buffer, type: string): Promise<void> {
    await this.#client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.#key(key), Body: bytes, ContentType: type }));
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.#key(key) }));
      if (!answer.Body) return null;
      return Buffer.from(await answer.Body.transformToByteArray());
    } catch (err) {
      if (isAbsent(err)) return null;
      throw err;
    }
  }

  /** S3 answers 204 for a key that is not there, too. */
  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.#key(key) }));
  }

  close(): void {
    this.#client.destroy();
  }
}

/**
 * The object is not there: NoSuchKey, or a bare 404 from servers that send no error code. A missing
 * bucket is a 404 too, but it is a configuration error that must not look like a missing file.
 */
function isAbsent(err: unknown): boolean {
  if (err instanceof NoSuchKey) return true;
  return err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404 && err.name !== 'NoSuchBucket';
}
