/** What the benches (bench/run.ts, bench/large.ts) share: knobs from the environment, listening, judging a load run. */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { LoadResult } from './loadgen.js';

/** A positive number from the environment, else the fallback (unset, empty, zero or garbage). */
export const envNum = (name: string, fallback: number) => {
  const raw = process.env[name];
  const n = raw ? Number(raw) : NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

/** More failed attempts than this and a scenario is an error, not a slow result. */
export const MAX_FAILURE_RATE = 0.01;

/** Listens on a free port of the loopback interface; the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** An error message when more than 1% of attempts failed (non-2xx, socket errors, timeouts), else null. */
export function failureOf(r: LoadResult): string | null {
  const attempts = r.completed + r.errors;
  if (attempts === 0) return 'no responses at all';
  const bad = r.non2xx + r.errors;
  if (bad / attempts <= MAX_FAILURE_RATE) return null;
  const codes = Object.entries(r.statusCodes)
    .map(([c, n]) => `${c}×${n}`)
    .join(', ');
  return `${bad}/${attempts} failed (${((100 * bad) / attempts).toFixed(1)}%): status ${codes || 'none'}, ${r.errors} socket errors, ${r.timeouts} timeouts`;
}
