/**
 * What alert notifications are sent to in tests: a local SMTP server (smtp-server, password login
 * required, so the channel's sealed password must arrive decrypted) and a webhook receiver that checks
 * each delivery with the project's own signature verifier before keeping it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { verifyWebhookSignature } from '../../src/core/webhook-signature.js';

/** One received e-mail. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** Raw headers, unfolded. */
  headers: string;
  /** The body, quoted-printable decoded. */
  text: string;
}

/** Decodes a quoted-printable body (what nodemailer sends for long or non-ASCII lines). */
function decodeQuotedPrintable(body: string): string {
  const bytes = Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  return bytes.toString('utf8');
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`) in a header line, as a mail client shows it. */
function decodeHeaderWords(line: string): string {
  return line
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([qb])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

/** A local SMTP server accepting mail for `user`/`password` (plain text: no TLS). */
export async function startSmtpServer(user = 'alerts', password = 'smtp-password-1'): Promise<{ port: number; user: string; password: string; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) return cb(null, { user });
      return cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const split = raw.indexOf('\r\n\r\n');
        const headers = decodeHeaderWords(raw.slice(0, split).replace(/\r\n[ \t]+/g, ' '));
        const body = raw.slice(split + 4);
        const qp = /content-transfer-encoding:\s*quoted-printable/i.test(headers);
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          headers,
          text: qp ? decodeQuotedPrintable(body) : body,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, user, password, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** One verified webhook delivery. */
export interface ReceivedHook {
  deliveryId: string;
  body: Record<string, unknown>;
}

/** A webhook receiver: answers 401 to a delivery whose signature does not verify, 503 while `failNext` > 0, else 200 and keeps it. */
export async function startWebhookReceiver(secret: string): Promise<{ url: string; hooks: ReceivedHook[]; refused: string[]; failNext: { count: number }; close(): Promise<void> }> {
  const hooks: ReceivedHook[] = [];
  const refused: string[] = [];
  const failNext = { count: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      try {
        verifyWebhookSignature({ secret }, req.headers, raw);
      } catch (err) {
        refused.push((err as Error).message);
        return res.writeHead(401).end();
      }
      if (failNext.count > 0) {
        failNext.count -= 1;
        return res.writeHead(503).end('busy');
      }
      hooks.push({ deliveryId: String(req.headers['x-delivery-id']), body: JSON.parse(raw.toString('utf8')) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/syncline`;
  return { url, hooks, refused, failNext, close: () => new Promise<void>((r) => server.close(() => r())) };
}
