import { ApiError } from '../api-request';

/** A pace in the largest whole unit: 120 → 2 minutes, 90 → 90 seconds, 7200 → 2 hours. */
export function paceUnit(seconds: number): { unit: 'second' | 'minute' | 'hour'; n: number } {
  if (seconds >= 3600 && seconds % 3600 === 0) return { unit: 'hour', n: seconds / 3600 };
  if (seconds >= 60 && seconds % 60 === 0) return { unit: 'minute', n: seconds / 60 };
  return { unit: 'second', n: seconds };
}

/** "1:05" for 65 seconds, "1:00:00" for an hour. */
export function clockTime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** The seconds a `429 slow_mode` says to wait, or null for any other error. */
export function slowModeRetryAfter(error: unknown): number | null {
  if (!(error instanceof ApiError) || error.code !== 'slow_mode') return null;
  const wait = Number(error.details?.retryAfter);
  return Number.isFinite(wait) && wait > 0 ? wait : null;
}

/**
 * The wait before a member may send again in a slow-mode topic: started after their reply (the
 * topic's pace) or by the server's 429 (its retryAfter), ticking each second while it runs.
 */
export class SlowModeWait {
  #until = $state(0);
  #now = $state(0);
  #timer: ReturnType<typeof setInterval> | null = null;

  /** Whole seconds left; 0 when the member may send. */
  get secondsLeft(): number {
    return Math.max(0, Math.ceil((this.#until - this.#now) / 1000));
  }

  start(seconds: number): void {
    this.#now = Date.now();
    this.#until = this.#now + seconds * 1000;
    this.#timer ??= setInterval(() => {
      this.#now = Date.now();
      if (this.#now >= this.#until) this.stop();
    }, 1000);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
