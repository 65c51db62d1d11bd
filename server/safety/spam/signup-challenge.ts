/**
 * The proof of work sign-up asks for when spam waves come (ALTCHA, its v1 format: find the number
 * whose SHA-256 with the salt is the challenge). Self-hosted: no third party, no cookie. The
 * challenge carries its own expiry in the signed salt; a solution works once, across processes
 * (spent_challenges).
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1';
import type { Payload as AltchaPayload } from 'altcha-lib/v1/types';
import { rows, type Db, type Executor } from '../../../db/client.js';
import { siteSettings } from '../../../db/schema.js';
import type { Config } from '../../config/config.js';
import { badRequest } from '../../errors/errors.js';
import { readSiteSettings } from './site-settings.service.js';

export type ChallengeConfig = Config['signupChallenge'];

export interface SignupChallenge {
  algorithm: string;
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
}

/** The window the `auto` mode counts sign-ups in. */
export const SPIKE_WINDOW_MINUTES = 10;
const ALGORITHM = 'SHA-256';

/** One key per database: made once by whichever process asks first, then read by all. */
const storedKeys = new WeakMap<Db, Promise<string>>();

async function loadOrMakeKey(db: Db): Promise<string> {
  const made = randomBytes(32).toString('base64url');
  await db.execute(sql`
    INSERT INTO site_settings (id, challenge_key) VALUES (1, ${made})
    ON CONFLICT (id) DO UPDATE SET challenge_key = coalesce(site_settings.challenge_key, excluded.challenge_key)`);
  const [row] = await db.select({ key: siteSettings.challengeKey }).from(siteSettings).where(eq(siteSettings.id, 1));
  return row!.key!;
}

export function challengeKey(db: Db, config: ChallengeConfig): Promise<string> {
  if (config.key) return Promise.resolve(config.key);
  let key = storedKeys.get(db);
  if (!key) {
    key = loadOrMakeKey(db);
    // A failed read (a database hiccup) is asked again next time, not kept.
    key.catch(() => storedKeys.delete(db));
    storedKeys.set(db, key);
  }
  return key;
}

/**
 * More sign-ups than the threshold in the window. Counted over the newest accounts only (ids grow
 * with time), so the question costs the same however many members the site has.
 */
export async function signupsSpiking(db: Executor, threshold: number): Promise<boolean> {
  const [row] = await rows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM (SELECT created_at FROM users ORDER BY id DESC LIMIT ${threshold + 1}) recent
        WHERE created_at > now() - make_interval(mins => ${SPIKE_WINDOW_MINUTES})`,
  );
  return (row?.n ?? 0) > threshold;
}

/** Whether sign-up needs a solved challenge right now: the site admin's mode, and in `auto` the spike. */
export async function challengeRequired(db: Db, config: ChallengeConfig): Promise<boolean> {
  const { signupChallenge } = await readSiteSettings(db);
  if (signupChallenge === 'off') return false;
  if (signupChallenge === 'on') return true;
  return signupsSpiking(db, config.autoThreshold);
}

export async function newSignupChallenge(db: Db, config: ChallengeConfig): Promise<SignupChallenge> {
  const challenge = await createChallenge({
    algorithm: ALGORITHM,
    hmacKey: await challengeKey(db, config),
    maxnumber: config.maxNumber,
    expires: new Date(Date.now() + config.expiresSeconds * 1000),
  });
  return { ...challenge, maxnumber: challenge.maxnumber ?? config.maxNumber };
}

/** What the challenge asks for, as GET /api/auth/signup-challenge answers. */
export async function signupChallengeFor(db: Db, config: ChallengeConfig): Promise<{ required: boolean; challenge?: SignupChallenge }> {
  if (!(await challengeRequired(db, config))) return { required: false };
  return { required: true, challenge: await newSignupChallenge(db, config) };
}

type Payload = AltchaPayload & { algorithm: typeof ALGORITHM };

const invalid = (why: 'malformed' | 'expired' | 'wrong' | 'spent') =>
  badRequest('challenge_invalid', 'The sign-up check failed or was already used: ask for a new one.', { why });

/** The ALTCHA payload: base64 of JSON; anything else is not one. */
function decode(raw: string): Payload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    throw invalid('malformed');
  }
  const p = parsed as Partial<Payload> | null;
  if (
    !p ||
    typeof p !== 'object' ||
    p.algorithm !== ALGORITHM ||
    typeof p.challenge !== 'string' ||
    typeof p.salt !== 'string' ||
    typeof p.signature !== 'string' ||
    !Number.isSafeInteger(p.number) ||
    (p.number as number) < 0
  )
    throw invalid('malformed');
  return p as Payload;
}

/**
 * Lets a sign-up through when no challenge is required, or when `raw` is a solution of one we
 * signed, not expired and never used before. Spending it is the last step, so a forged or expired
 * payload costs no write.
 */
export async function passSignupChallenge(db: Db, config: ChallengeConfig, raw: string | undefined): Promise<void> {
  if (!(await challengeRequired(db, config))) return;
  if (!raw) throw badRequest('challenge_required', 'Sign-up needs the check that you are a person: solve the challenge first.');
  const payload = decode(raw);
  // Every challenge we sign carries its expiry in the salt; one without it was not made here.
  const expires = Number(extractParams(payload).expires);
  if (!Number.isFinite(expires)) throw invalid('malformed');
  if (expires * 1000 < Date.now()) throw invalid('expired');
  if (!(await verifySolution(payload, await challengeKey(db, config), true))) throw invalid('wrong');
  const signatureHash = createHash('sha256').update(payload.signature).digest('hex');
  const spent = await rows<{ signature_hash: string }>(
    db,
    sql`INSERT INTO spent_challenges (signature_hash, expires_at) VALUES (${signatureHash}, to_timestamp(${expires}))
        ON CONFLICT (signature_hash) DO NOTHING RETURNING signature_hash`,
  );
  if (!spent.length) throw invalid('spent');
}

/** Maintenance: a spent challenge past its expiry would be refused as expired anyway. */
export async function pruneSpentChallenges(db: Db): Promise<void> {
  await db.execute(sql`DELETE FROM spent_challenges WHERE expires_at < now()`);
}
