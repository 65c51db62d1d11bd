/**
 * Solves the sign-up's proof of work off the main thread (ALTCHA v1: the number whose SHA-256
 * with the salt is the challenge), in slices, telling the page how far it got after each.
 */
import { solveChallenge } from 'altcha-lib/v1';
import type { SignupChallenge } from '../../lib/api-spam';

export type WorkerAnswer = { type: 'progress'; tried: number; of: number } | { type: 'solved'; number: number } | { type: 'failed' };

const SLICE = 5000;

/** The worker's own global scope (the web's type-check knows the DOM's, not a worker's). */
const scope = self as unknown as { onmessage: (message: MessageEvent<SignupChallenge>) => void; postMessage(answer: WorkerAnswer): void };

const say = (answer: WorkerAnswer) => scope.postMessage(answer);

async function solve(c: SignupChallenge): Promise<void> {
  for (let start = 0; start <= c.maxnumber; start += SLICE) {
    const end = Math.min(start + SLICE - 1, c.maxnumber);
    const found = await solveChallenge(c.challenge, c.salt, c.algorithm, end, start).promise;
    if (found) return say({ type: 'solved', number: found.number });
    say({ type: 'progress', tried: end + 1, of: c.maxnumber + 1 });
  }
  say({ type: 'failed' });
}

scope.onmessage = (message) => void solve(message.data);
