/**
 * A real SMTP server in the test process (the `smtp-server` package): Parley sends to it over TCP
 * as it would to a relay, and tests read what arrived, parsed by mailparser. It can refuse
 * (`refuseNext`, e.g. 421) and stall (`stall`) to prove retries and that requests do not wait.
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  raw: string;
  parsed: ParsedMail;
  /** A header's value as sent (unfolded; the first if repeated), by case-insensitive name. */
  header(name: string): string | undefined;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`, for PARLEY_SMTP_URL. */
  url: string;
  port: number;
  received: ReceivedMail[];
  /** The next mail (after those already taken by `next`) that matches, waiting up to `timeoutMs`. */
  next(match?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Every mail to `address` so far. */
  to(address: string): ReceivedMail[];
  /**
   * Refuse the next `count` messages at the end of DATA with this reply (a 4xx is temporary); with
   * `to`, only messages to that address (other mail, such as a sign-up's verification, goes through).
   */
  refuseNext(count: number, code?: number, message?: string, to?: string): void;
  /** While stalled, connections are accepted but never greeted. */
  stall(on: boolean): void;
  /** Messages refused so far (they did not arrive). */
  refused: number;
  close(): Promise<void>;
}

const headerText = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return headerText(value[0]);
  if (typeof value === 'object' && 'text' in value) return String((value as { text: string }).text);
  if (typeof value === 'object' && 'value' in value) {
    const v = value.value;
    return typeof v === 'string' ? v : JSON.stringify(v);
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
};

/**
 * From the header lines as sent: mailparser folds some headers into structures (all `List-*` into
 * one `list` entry, addresses into objects), which would hide exactly what tests check.
 */
function rawHeader(parsed: ParsedMail, name: string): string | undefined {
  const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  if (line === undefined) return undefined;
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  let taken = 0;
  let refuse: { count: number; code: number; message: string; to: string | undefined } = { count: 0, code: 421, message: '', to: undefined };
  let stalled = false;
  const held: Array<() => void> = [];
  const sink: SmtpSink = {
    url: '',
    port: 0,
    received,
    refused: 0,
    async next(match = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (let i = taken; i < received.length; i++) {
          const mail = received[i]!;
          if (match(mail)) {
            // Mails before it that did not match stay available to later calls.
            received.splice(i, 1);
            received.splice(taken, 0, mail);
            taken++;
            return mail;
          }
        }
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(
            `no matching mail arrived within ${timeoutMs} ms (${received.length} received: ${received.map((m) => `${m.to}: ${m.subject}`).join('; ')})`,
          );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    to: (address) => received.filter((m) => m.envelope.to.includes(address.toLowerCase()) || m.envelope.to.includes(address)),
    refuseNext(count, code = 421, message = 'Try again later', to) {
      refuse = { count, code, message, to: to?.toLowerCase() };
    },
    stall(on) {
      stalled = on;
      if (!on) for (const release of held.splice(0)) release();
    },
    async close() {
      stalled = false;
      for (const release of held.splice(0)) release();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, callback) {
      if (!stalled) return callback();
      held.push(() => callback());
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const recipients = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        if (refuse.count > 0 && (!refuse.to || recipients.includes(refuse.to))) {
          refuse.count--;
          sink.refused++;
          const err = Object.assign(new Error(refuse.message), { responseCode: refuse.code });
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            const envelope = {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            };
            received.push({
              envelope,
              raw,
              parsed,
              header: (name) => rawHeader(parsed, name) ?? headerText(parsed.headers.get(name.toLowerCase())),
              to: envelope.to[0] ?? '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
            });
            for (const wake of waiters.splice(0)) wake();
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  sink.port = port;
  sink.url = `smtp://127.0.0.1:${port}`;
  return sink;
}
