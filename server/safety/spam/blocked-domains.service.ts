import { desc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { blockedEmailDomains, users } from '../../../db/schema.js';
import { badRequest } from '../../errors/errors.js';
import type { Viewer } from '../../visibility/viewer.js';
import { requireSiteAdmin } from './site-admin.guard.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A domain as the list keeps it: lower case, no "@" or "*." in front, no trailing dot; at least
 * two labels (a whole top-level domain is too blunt to block by accident). Null: not a domain.
 */
export function normaliseDomain(raw: string): string | null {
  const domain = raw
    .trim()
    .toLowerCase()
    .replace(/^@|^\*\./, '')
    .replace(/\.$/, '');
  if (domain.length > 253) return null;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  // The top-level label is letters, or an IDN's punycode.
  if (!/^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(labels.at(-1)!)) return null;
  return domain;
}

/** The address's domain and every domain above it: mail.spam.example, spam.example (not the bare top level). */
export function domainsOf(email: string): string[] {
  const host = email
    .slice(email.lastIndexOf('@') + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '');
  const labels = host.split('.');
  const found: string[] = [];
  for (let i = 0; i < labels.length - 1; i++) found.push(labels.slice(i).join('.'));
  return found;
}

/** Sign-up and a change of address refuse a blocked domain, or any subdomain of one. */
export async function assertEmailDomainAllowed(db: Executor, email: string): Promise<void> {
  const candidates = domainsOf(email);
  if (!candidates.length) return;
  const [hit] = await db
    .select({ domain: blockedEmailDomains.domain })
    .from(blockedEmailDomains)
    .where(inArray(blockedEmailDomains.domain, candidates))
    .limit(1);
  if (hit) throw badRequest('email_domain_blocked', 'Addresses at this domain cannot be used here.', { field: 'email' });
}

export interface BlockedDomain {
  domain: string;
  createdAt: string;
  createdBy: string | null;
}

const invalidDomain = (raw: string) => badRequest('invalid_domain', 'This is not a domain name such as example.com.', { field: 'domain', domain: raw });

export async function listBlockedDomains(db: Executor, viewer: Viewer): Promise<{ items: BlockedDomain[] }> {
  requireSiteAdmin(viewer);
  const found = await db
    .select({ domain: blockedEmailDomains.domain, createdAt: blockedEmailDomains.createdAt, createdBy: users.handle })
    .from(blockedEmailDomains)
    .leftJoin(users, eq(users.id, blockedEmailDomains.createdById))
    .orderBy(desc(blockedEmailDomains.createdAt), blockedEmailDomains.domain);
  return { items: found.map((r) => ({ domain: r.domain, createdAt: r.createdAt.toISOString(), createdBy: r.createdBy })) };
}

/** Blocking a domain twice keeps the first entry (who and when). */
export async function blockDomain(db: Executor, viewer: Viewer, raw: string): Promise<BlockedDomain> {
  const admin = requireSiteAdmin(viewer);
  const domain = normaliseDomain(raw);
  if (!domain) throw invalidDomain(raw);
  await db.insert(blockedEmailDomains).values({ domain, createdById: admin.id }).onConflictDoNothing();
  const [row] = await db
    .select({ domain: blockedEmailDomains.domain, createdAt: blockedEmailDomains.createdAt, createdBy: users.handle })
    .from(blockedEmailDomains)
    .leftJoin(users, eq(users.id, blockedEmailDomains.createdById))
    .where(eq(blockedEmailDomains.domain, domain));
  return { domain: row!.domain, createdAt: row!.createdAt.toISOString(), createdBy: row!.createdBy };
}

/** Unblocking a domain that is not on the list changes nothing. */
export async function unblockDomain(db: Executor, viewer: Viewer, raw: string): Promise<void> {
  requireSiteAdmin(viewer);
  const domain = normaliseDomain(raw);
  if (!domain) throw invalidDomain(raw);
  await db.delete(blockedEmailDomains).where(eq(blockedEmailDomains.domain, domain));
}
