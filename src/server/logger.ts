/** pino logger with secrets and personal data redacted, shared by the server, worker and CLI. */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  '*.secrets',
  'secrets',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'clientSecret',
  '*.clientSecret',
  'privateKey',
  '*.privateKey',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-syncline-signature"]',
  'email',
  '*.email',
  'record',
  '*.record',
];

const EMAIL_TEXT = /[^\s"'<>()[\]{},;:]+@[^\s"'<>()[\]{},;:]+\.[^\s"'<>()[\]{},;:]+/g;
/** A JSON-quoted value a message embeds after `=`, `got`, `value`, `matches` (`CustomerName = "Ann Lee"`, `(got "x")`). */
const QUOTED_VALUE = /((?:=|\bgot|\bvalue|\bvalues|\bmatch(?:es)?|\bwith)\s*)("(?:[^"\\]|\\.)*"|\{[^}]*\}|\[[^\]]*\])/gi;
const PHONE_TEXT = /\+?\d[\d ().-]{7,}\d/g;

/**
 * Record values embedded in free text (error messages name the email, the name, the value that broke
 * a rule) are redacted like bodies are: emails, phone numbers and quoted values after `=`/`got`.
 * Field names, rules, kinds and ids in the message stay readable.
 */
export function redactText(text: string): string {
  return text.replace(QUOTED_VALUE, '$1"[redacted]"').replace(EMAIL_TEXT, '[email]').replace(PHONE_TEXT, '[phone]');
}

/** Keys of a log line's own fields that carry free text from errors. */
const TEXT_KEYS = ['msg', 'message', 'err', 'error', 'reason'];

function redactFields(obj: Record<string, unknown>): Record<string, unknown> {
  let out = obj;
  for (const k of TEXT_KEYS) {
    const v = obj[k];
    if (typeof v === 'string') out = { ...out, [k]: redactText(v) };
    else if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') {
      const e = v as { message: string; stack?: string };
      out = { ...out, [k]: { ...e, type: (v as Error).name, message: redactText(e.message), ...(e.stack ? { stack: redactText(e.stack) } : {}) } };
    }
  }
  return out;
}

/** Creates the process logger; `level` from config (`info` by default), JSON lines to stdout (or `destination`). */
export function createLogger(level = process.env.SYNCLINE_LOG_LEVEL ?? 'info', destination?: DestinationStream): PinoLogger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'syncline' },
      formatters: { log: (obj) => redactFields(obj) },
      hooks: {
        // The message argument itself (`dead-lettered: <error message>`).
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>;
          return method.apply(this, redacted);
        },
      },
    },
    destination,
  );
}
