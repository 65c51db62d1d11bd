import { ApiError } from '../api-request';
import type { Me } from '../api';

/**
 * The composers' side of "a verified address is needed to post": whether to show the notice before
 * anyone types, and whether a refused send was refused for that. The notice itself is loaded on
 * first use (`loadVerifyToPostNotice`), keeping it out of the topic page's first load.
 */
export const mustVerifyToPost = (requireVerifiedEmail: boolean | undefined, viewer: Me | null): boolean =>
  !!requireVerifiedEmail && !!viewer && !viewer.isSiteAdmin && !viewer.user.emailVerified;

export const isEmailUnverified = (error: unknown): boolean => error instanceof ApiError && error.code === 'email_unverified';

export const loadVerifyToPostNotice = () => import('./VerifyToPostNotice.svelte');
