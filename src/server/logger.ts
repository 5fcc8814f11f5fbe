/** pino logger with secrets and personal data redacted, shared by the server, worker and CLI. */
import { pino, type Logger as PinoLogger } from 'pino';

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

/** Creates the process logger; `level` from config (`info` by default), JSON lines to stdout. */
export function createLogger(level = process.env.SYNCLINE_LOG_LEVEL ?? 'info'): PinoLogger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'syncline' } });
}
