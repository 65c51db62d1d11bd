import type { Bus } from '../live/bus.js';
import type { ValidatedSession } from './session.js';

/** The bus signals that make every process forget a session, or every session of an account. */
const SESSION_PREFIX = 'session:';
const USER_PREFIX = 'user:';
export const sessionSignal = (sessionId: string) => `${SESSION_PREFIX}${sessionId}`;
export const userSignal = (userId: number) => `${USER_PREFIX}${userId}`;

/** What a bus signal says about sessions: one ended, or an account's changed (null: about something else). */
export type SessionNews = { kind: 'session'; sessionId: string } | { kind: 'user'; userId: number };

export function sessionNewsOf(payload: string): SessionNews | null {
  if (payload.startsWith(SESSION_PREFIX)) return { kind: 'session', sessionId: payload.slice(SESSION_PREFIX.length) };
  if (payload.startsWith(USER_PREFIX)) return { kind: 'user', userId: Number(payload.slice(USER_PREFIX.length)) };
  return null;
}

/**
 * Sessions this process validated in the last few seconds, so a signed-in read needs no database
 * round trip to learn who is asking. A revocation or a change of what a session carries (name,
 * avatar, site admin, locale, verified address) is signalled on the bus and forgotten here at once;
 * a lost signal is covered by the bus's resync, which forgets everything.
 *
 * A validation that overlaps a signal is not kept: it may have read the row before the change
 * committed. Any signal moves a process-wide clock, and an answer is stored only if the clock stood
 * still while it was read (coarse, but signals are rare next to reads).
 */
export class SessionCache {
  private entries = new Map<string, { session: ValidatedSession; until: number }>();
  private byUser = new Map<number, Set<string>>();
  private clock = 0;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly ttlMs: number,
    bus: Bus,
    private readonly maxEntries = 50_000,
  ) {
    this.unsubscribe.push(bus.onSignal((payload) => this.onSignal(payload)));
    this.unsubscribe.push(bus.onResync(() => this.clear()));
  }

  /** A copy: a request may change its own viewer (e.g. a new locale) without touching the cache. */
  get(sessionId: string, now = Date.now()): ValidatedSession | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.forget(sessionId);
      return undefined;
    }
    return { ...entry.session, user: { ...entry.session.user }, fresh: false };
  }

  /** Taken before reading the session: `set` keeps the answer only if no signal came in between. */
  stamp(): number {
    return this.clock;
  }

  set(session: ValidatedSession, stamp: number, now = Date.now()): void {
    if (this.ttlMs === 0 || stamp !== this.clock) return;
    const until = Math.min(now + this.ttlMs, session.expiresAt.getTime());
    this.forget(session.sessionId);
    this.entries.set(session.sessionId, { session: { ...session, user: { ...session.user }, fresh: false }, until });
    let ids = this.byUser.get(session.user.id);
    if (!ids) this.byUser.set(session.user.id, (ids = new Set()));
    ids.add(session.sessionId);
    if (this.entries.size > this.maxEntries) this.forget(this.entries.keys().next().value!);
  }

  clear(): void {
    this.clock++;
    this.entries.clear();
    this.byUser.clear();
  }

  close(): void {
    this.unsubscribe.forEach((u) => u());
  }

  private onSignal(payload: string): void {
    const news = sessionNewsOf(payload);
    if (!news) return;
    this.clock++;
    if (news.kind === 'session') this.forget(news.sessionId);
    else for (const id of this.byUser.get(news.userId) ?? []) this.forget(id);
  }

  private forget(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    this.entries.delete(sessionId);
    const ids = this.byUser.get(entry.session.user.id);
    ids?.delete(sessionId);
    if (ids?.size === 0) this.byUser.delete(entry.session.user.id);
  }
}
