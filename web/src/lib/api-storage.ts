/**
 * The site admins' storage figure (`GET /api/admin/uploads`). Kept out of api.ts: only the site
 * admins' safety page, loaded on first use, carries it.
 */
import type { Static } from 'typebox';
import type * as uploads from '../../../server/uploads/uploads.schema.js';
import { api, type CallOptions } from './api';

export type StorageUsage = Static<typeof uploads.UploadUsageReply>;

export const storageApi = {
  /** Site admins only (`403 not_site_admin`). */
  usage(opts?: CallOptions): Promise<StorageUsage> {
    return api.request<StorageUsage>('GET', '/admin/uploads', opts);
  },
};
