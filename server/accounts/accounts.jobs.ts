/** The account flows' background work: looking up the address of a reset request, away from its response. */
import type { ServiceContext } from '../write/unit-of-work.js';
import { PASSWORD_RESET_JOB, runPasswordReset, type ResetJob } from './password-reset.service.js';

export async function startAccountJobs(ctx: ServiceContext): Promise<void> {
  await ctx.jobs.define(PASSWORD_RESET_JOB, { retryLimit: 3, retryDelaySeconds: 5, retryBackoff: true });
  await ctx.jobs.work<ResetJob>(PASSWORD_RESET_JOB, (job) => runPasswordReset(ctx, job));
}
