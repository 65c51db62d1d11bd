/** Mail coming in: the HTTP hook always (off without a secret), the SMTP listener when a port is configured. */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { replyDomain, type Config } from '../../config/config.js';
import type { ErrorMessages } from '../../i18n/error-messages.js';
import type { ServiceContext } from '../../write/unit-of-work.js';
import { createInboundMailHandler, type InboundMailHandler } from './inbound.handler.js';
import { inboundRoutes } from './inbound.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    inboundMail: {
      handler: InboundMailHandler;
      /** The port the SMTP listener is bound to (the system's choice for port 0); null when it is off. */
      smtpPort: number | null;
    };
  }
}

export const inboundMailPlugin = fp(
  async (app: FastifyInstance, opts: { config: Config; ctx: ServiceContext; errorMessages: ErrorMessages }) => {
    const { config, ctx, errorMessages } = opts;
    const log = app.log.child({ component: 'inbound-mail' });
    const handler = createInboundMailHandler({ ctx, errorMessages, replyDomain: replyDomain(config), log });
    await app.register(inboundRoutes, { secret: config.mail.inboundSecret, handler });

    const port = config.mail.inboundSmtpPort;
    // The SMTP server's code is loaded only where the listener runs.
    const smtp = port === undefined ? null : await (await import('./inbound.smtp.js')).startInboundSmtp({ host: config.host, port, handler, log });
    // Before the database closes (onClose): mail being handled finishes first.
    if (smtp) {
      app.addHook('preClose', async () => {
        await smtp.close();
      });
    }
    app.decorate('inboundMail', { handler, smtpPort: smtp?.port ?? null });
  },
  { name: 'inbound-mail' },
);
