/**
 * The built-in SMTP listener (PARLEY_INBOUND_SMTP_PORT): the MX, or a relay in front of it, hands
 * replies and bounces to it. It takes mail only for our reply and bounce addresses (anything else
 * is refused at RCPT, so it can never relay), up to MAX_INBOUND_BYTES, without authentication (as
 * any MX), and answers 250 once the mail is handled, or 451 to have the sender try again when
 * handling failed unexpectedly (a second delivery never posts twice: clientId).
 */
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { InboundMailHandler } from './inbound.handler.js';
import { MAX_INBOUND_BYTES } from './inbound.limits.js';

export interface InboundSmtp {
  /** The port it listens on (the one asked for, or the one the system chose for port 0). */
  port: number;
  /** Stops taking connections and waits for mail being handled. */
  close(): Promise<void>;
}

const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

function readAll(stream: SMTPServerDataStream): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped (the session must reach the end of DATA).
      if (size <= MAX_INBOUND_BYTES) chunks.push(chunk);
    });
    stream.on('end', () => resolve(stream.sizeExceeded || size > MAX_INBOUND_BYTES ? null : Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export async function startInboundSmtp(opts: { host: string; port: number; handler: InboundMailHandler; log: FastifyBaseLogger }): Promise<InboundSmtp> {
  const { handler, log } = opts;
  const handling = new Set<Promise<unknown>>();
  const server = new SMTPServer({
    name: 'parley',
    banner: 'Parley inbound mail',
    authOptional: true,
    // Mail for a forum: no accounts to log in to, and no certificate to offer.
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_INBOUND_BYTES,
    rejectOversized: true,
    maxClients: 100,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (handler.accepts(address.address)) return callback();
      callback(smtpError(550, `5.1.1 <${address.address}>: no such mailbox here`));
    },
    onData(stream, session, callback) {
      const work = (async () => {
        try {
          const raw = await readAll(stream);
          if (!raw) return callback(smtpError(552, '5.3.4 Message too big'));
          const recipients = session.envelope.rcptTo.map((r) => r.address);
          await handler.receive(raw, recipients);
          callback();
        } catch (err) {
          log.error({ err }, 'inbound mail not handled: the sender will try again');
          callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
        }
      })();
      handling.add(work);
      void work.finally(() => handling.delete(work));
    },
  });
  server.on('error', (err) => log.warn({ err }, 'inbound SMTP'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  log.info({ host: opts.host, port }, 'inbound SMTP listening');
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...handling]);
    },
  };
}
