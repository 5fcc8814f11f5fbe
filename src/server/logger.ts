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
/** Digit runs the phone pattern also matches that are not phone numbers: IPv4 addresses and ISO dates. */
const NOT_A_PHONE = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\d{4}-\d{2}-\d{2}(?:[ T]\d{2})?)$/;

/** A phone-like run is redacted when it holds a phone's count of digits (7 to 15, E.164) and is not an address or a date. */
function redactPhone(run: string): string {
  const digits = run.replace(/\D/g, '').length;
  return digits >= 7 && digits <= 15 && !NOT_A_PHONE.test(run) ? '[phone]' : run;
}

/**
 * Record values embedded in free text (error messages name the email, the name, the value that broke
 * a rule) are redacted like bodies are: emails, phone numbers and quoted values after `=`/`got`.
 * Field names, rules, kinds and ids in the message stay readable.
 */
export function redactText(text: string): string {
  return text.replace(QUOTED_VALUE, '$1"[redacted]"').replace(EMAIL_TEXT, '[email]').replace(PHONE_TEXT, redactPhone);
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
