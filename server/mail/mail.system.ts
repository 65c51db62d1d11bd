/** Mail for one app: the mailer services queue with, and the worker that sends. */
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import { publicOrigin, replyDomain, type Config } from '../config/config.js';
import type { Translator } from '../i18n/translator.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { mailLinks } from './mail.links.js';
import { createMailer, SEND_MAIL_JOB, type Mailer } from './mailer.js';
import { mailSender } from './mail.sender.js';
import { createTransport } from './mail.transport.js';

export interface MailSystem {
  mailer: Mailer;
  transport: 'smtp' | 'local';
  /** Start sending (after the app is built: jobs already waiting go out at once). */
  start(): Promise<void>;
  close(): void;
}

export function createMailSystem(config: Config, db: Db, jobs: JobQueue, translator: Translator, log: FastifyBaseLogger): MailSystem {
  const domain = replyDomain(config);
  const transport = createTransport(config.mail);
  const mailer = createMailer({ jobs, links: mailLinks(publicOrigin(config)), replyDomain: domain, translator });
  return {
    mailer,
    transport: transport.kind,
    async start() {
      if (transport.kind === 'local')
        log.info('mail: no PARLEY_SMTP_URL, so mail is kept in the local mailbox (site admins read it at /admin/mail; its links are logged too)');
      await jobs.define(SEND_MAIL_JOB, { retryLimit: config.mail.retryLimit, retryDelaySeconds: config.mail.retryDelaySeconds, retryBackoff: true });
      await jobs.work(
        SEND_MAIL_JOB,
        mailSender({ db, transport, from: config.mail.from, replyDomain: domain, bounceThreshold: config.mail.bounceThreshold, log }),
      );
    },
    close: () => transport.close(),
  };
}
