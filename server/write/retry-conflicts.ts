/** deadlock_detected and serialization_failure: PostgreSQL rolled the transaction back, and asks for it to be run again. */
const CONFLICTS = new Set(['40P01', '40001']);
const ATTEMPTS = 4;

/** The SQLSTATE of a database error, also when the driver or drizzle wrapped it. */
function sqlState(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Runs a transaction (or a write that is one statement) again when PostgreSQL failed it for a
 * conflict with another one. Writes lock rows through triggers as well as by hand (a reply locks
 * its topic's channel and then, through the reputation trigger, its author's reputation row;
 * hiding that author's post takes the two the other way round), so no single lock order can be
 * promised for all of them; the conflict is rare and the rolled-back attempt left nothing behind.
 * A short random pause first, so the two do not meet again at once.
 */
export async function retryingConflicts<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= ATTEMPTS || !CONFLICTS.has(sqlState(err) ?? '')) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
