/**
 * The sign-up's proof of work, loaded only when the server asks for it (GET
 * /api/auth/signup-challenge): the solver runs in a Web Worker so the page stays responsive, and
 * the answer is the ALTCHA payload the server checks. No cookie, no third party.
 */
import type { SignupChallenge } from '../../lib/api-spam';
import type { WorkerAnswer } from './challenge.worker';

/** The payload for `challenge` of POST /api/auth/signup; `onprogress` gets 0..1 (a bound: most finish well before 1). */
export function solveSignupChallenge(challenge: SignupChallenge, onprogress: (share: number) => void, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./challenge.worker.ts', import.meta.url), { type: 'module' });
    const stop = (error?: Error) => {
      worker.terminate();
      if (error) reject(error);
    };
    signal?.addEventListener('abort', () => stop(new DOMException('aborted', 'AbortError')), { once: true });
    worker.onerror = () => stop(new Error('challenge_worker_failed'));
    worker.onmessage = (event: MessageEvent<WorkerAnswer>) => {
      const answer = event.data;
      if (answer.type === 'progress') return onprogress(answer.tried / answer.of);
      if (answer.type === 'failed') return stop(new Error('challenge_unsolved'));
      stop();
      onprogress(1);
      const { algorithm, challenge: hash, salt, signature } = challenge;
      resolve(btoa(JSON.stringify({ algorithm, challenge: hash, number: answer.number, salt, signature })));
    };
    worker.postMessage(challenge);
  });
}
