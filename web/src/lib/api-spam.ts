/**
 * The API calls against spam waves: the sign-up challenge, and the site admins' page
 * (/admin/safety: challenge mode, blocked e-mail domains, suspensions). Kept out of api.ts so that
 * only the pages that use them carry them.
 */
import type { Static } from 'typebox';
import type * as spam from '../../../server/safety/spam/spam.schema.js';
import { api, type CallOptions } from './api';

type Request = typeof api.request;

export type ChallengeReply = Static<typeof spam.ChallengeReply>;
export type SignupChallenge = NonNullable<ChallengeReply['challenge']>;
export type SiteSettings = Static<typeof spam.SiteSettingsReply>;
export type SignupChallengeMode = SiteSettings['signupChallenge'];
export type BlockedDomain = Static<typeof spam.BlockedDomainReply>;
export type SuspensionState = Static<typeof spam.SuspensionState>;
export type SuspendReply = Static<typeof spam.SuspendReply>;

export const SIGNUP_CHALLENGE_MODES = ['off', 'auto', 'on'] as const satisfies readonly SignupChallengeMode[];

const enc = encodeURIComponent;

export function spamCalls(request: Request) {
  return {
    /** Whether sign-up needs the proof of work now; a fresh challenge when it does. */
    signupChallenge(opts?: CallOptions): Promise<ChallengeReply> {
      return request<ChallengeReply>('GET', '/auth/signup-challenge', opts);
    },
    /** Site admins only (`403 not_site_admin`). */
    siteSettings(opts?: CallOptions): Promise<SiteSettings> {
      return request<SiteSettings>('GET', '/admin/site-settings', opts);
    },
    saveSiteSettings(change: Static<typeof spam.SiteSettingsBody>, opts?: CallOptions): Promise<SiteSettings> {
      return request<SiteSettings>('PATCH', '/admin/site-settings', { ...opts, body: change });
    },
    async blockedDomains(opts?: CallOptions): Promise<BlockedDomain[]> {
      return (await request<Static<typeof spam.BlockedDomainsReply>>('GET', '/admin/blocked-email-domains', opts)).items;
    },
    /** `400 invalid_domain`. */
    blockDomain(domain: string, opts?: CallOptions): Promise<BlockedDomain> {
      return request<BlockedDomain>('POST', '/admin/blocked-email-domains', { ...opts, body: { domain } satisfies Static<typeof spam.BlockedDomainBody> });
    },
    async unblockDomain(domain: string, opts?: CallOptions): Promise<void> {
      await request<unknown>('DELETE', `/admin/blocked-email-domains/${enc(domain)}`, opts);
    },
    async suspension(handle: string, opts?: CallOptions): Promise<SuspensionState> {
      return (await request<Static<typeof spam.SuspensionReply>>('GET', `/admin/users/${enc(handle)}/suspension`, opts)).user;
    },
    /** `404 user_not_found`, `400 cannot_suspend_self`, `403 cannot_suspend_site_admin`. */
    suspend(handle: string, body: Static<typeof spam.SuspendBody>, opts?: CallOptions): Promise<SuspendReply> {
      return request<SuspendReply>('POST', `/admin/users/${enc(handle)}/suspension`, { ...opts, body });
    },
    async liftSuspension(handle: string, opts?: CallOptions): Promise<SuspensionState> {
      return (await request<Static<typeof spam.SuspensionReply>>('DELETE', `/admin/users/${enc(handle)}/suspension`, opts)).user;
    },
  };
}

export const spamApi = spamCalls(api.request);
