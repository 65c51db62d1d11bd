/**
 * The one way into Parley for mail, whichever door it came through (the SMTP listener or a
 * provider's HTTP hook): read it, find the addresses of ours it was sent to, and hand it to the
 * reply or bounce handling. Refusals are answered by mail, never by failing the delivery; only
 * an unexpected failure (the database away) is thrown, so that the sender tries again later.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ErrorMessages } from '../../i18n/error-messages.js';
import type { ServiceContext } from '../../write/unit-of-work.js';
import { parseLocalAddress, type LocalAddress } from './inbound.address.js';
import { receiveBounce, type BounceOutcome } from './inbound.bounce.js';
import { readInboundMail, type InboundMail } from './inbound.message.js';
import { receiveReply, type ReplyOutcome } from './inbound.reply.js';

export interface InboundDeps {
  ctx: ServiceContext;
  errorMessages: ErrorMessages;
  replyDomain: string;
  log: FastifyBaseLogger;
}

export type InboundOutcome = { address: LocalAddress['kind']; outcome: ReplyOutcome | BounceOutcome };

export interface InboundMailHandler {
  /** Whether Parley takes mail for this address (the SMTP listener asks at RCPT TO). */
  accepts(address: string): boolean;
  /**
   * Handles one raw message. `recipients`: the SMTP envelope's; null over HTTP, where the headers
   * (Delivered-To, X-Original-To, To, Cc) say where it was sent.
   */
  receive(raw: Buffer, recipients: string[] | null): Promise<InboundOutcome[]>;
}

/** The addresses of ours the mail was for: the envelope's, else the first header that names any. */
function ourAddresses(mail: InboundMail, recipients: string[] | null, replyDomain: string): LocalAddress[] {
  const ours = (addresses: string[]) => addresses.flatMap((a) => parseLocalAddress(a, replyDomain) ?? []);
  const found = recipients ? ours(recipients) : (mail.headerRecipients.map(ours).find((list) => list.length > 0) ?? []);
  return [...new Map(found.map((a) => [`${a.kind}:${a.key}`, a])).values()];
}

export function createInboundMailHandler(deps: InboundDeps): InboundMailHandler {
  const { replyDomain, log } = deps;
  return {
    accepts: (address) => parseLocalAddress(address, replyDomain) !== null,
    async receive(raw, recipients) {
      const mail = await readInboundMail(raw);
      const addresses = ourAddresses(mail, recipients, replyDomain);
      if (addresses.length === 0) log.info({ messageId: mail.messageId }, 'inbound mail for no address of ours: dropped');
      const outcomes: InboundOutcome[] = [];
      for (const address of addresses) {
        const outcome =
          address.kind === 'reply' ? await receiveReply({ ...deps, log }, mail, address.key) : await receiveBounce({ db: deps.ctx.db, log }, mail, address.key);
        outcomes.push({ address: address.kind, outcome });
      }
      return outcomes;
    },
  };
}
