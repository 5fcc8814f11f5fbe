/**
 * Sage 100 failures → the error taxonomy: eBWS SOAP faults (`a:CI_NoKey`, `a:CI_NOF`, ...), HTTP and
 * network failures of the SOAP transport, and ODBC driver-manager and driver errors. Pure functions;
 * every message says what a user can do about it.
 */
import { SyncError } from '../../core/errors.js';

const SYSTEM = 'sage100';

/** A parsed eBWS fault. */
export interface MasFaultInfo {
  /** The Sage code without its namespace prefix (`CI_NOF`). */
  code: string;
  message: string;
}

/** The column a Sage message names ("column ZipCode", "The CustomerName is greater than 30 character(s)"). */
export function faultField(message: string): string | undefined {
  return /column (\w+)/i.exec(message)?.[1] ?? /^The (\w+) is /.exec(message)?.[1] ?? /The (\w+) is required/.exec(message)?.[1];
}

/** Classifies an eBWS fault. `operation` and `recordKey` go into the message and details. */
export function classifyFault(fault: MasFaultInfo, operation: string, recordKey?: string): SyncError {
  const { code, message } = fault;
  const field = faultField(message);
  const base = { system: SYSTEM, vendorCode: code, recordKey };
  const where = `Sage 100 ${operation}`;
  if (code === 'CI_NoKey') return new SyncError('not_found', `${where}: ${message}`, base);
  if (code === 'WS_AlreadyExists') return new SyncError('conflict', `${where}: ${message}`, base);
  if (code === 'CI_CharLength') {
    const rule = /greater than (\d+)/.exec(message);
    return new SyncError('invalid_data', `${where}: ${field ? `field "${field}" is too long: ` : ''}${message}`, { ...base, field, rule: rule ? `maxLength ${rule[1]}` : 'maxLength' });
  }
  if (code === 'CI_NOF') {
    return new SyncError('invalid_data', `${where}: ${field ? `field "${field}" refers to a record Sage 100 does not have: ` : ''}${message}`, { ...base, field, rule: 'foreign key' });
  }
  // Another Sage user (or a Sage task) holds the record: it frees up on its own, so try again later.
  if (/in use by another|locked by another|record is (locked|in use)|being (edited|used) by|currently in use/i.test(message)) {
    return new SyncError('retryable', `${where}: ${message} (another Sage 100 user has the record open; retried later)`, { ...base, field });
  }
  if (/logon|password|username/i.test(`${code} ${message}`)) {
    return new SyncError('unauthorized', `${where}: Sage 100 refused the logon (${message}). Check the user name and password of this connection in Sage 100 User Maintenance.`, base);
  }
  if (/no access|not authorized/i.test(message)) {
    return new SyncError('fatal', `${where}: ${message} Give the Sage 100 user a role with rights to the A/R and S/O tasks used by eBWS.`, base);
  }
  if (/company/i.test(code) || /company code/i.test(message)) {
    return new SyncError('fatal', `${where}: ${message} Check the company code and that Company Maintenance > Preferences > "Allow External Access" is checked.`, base);
  }
  // Any other business-object fault is about the record (a rule of Sage's), not the transport.
  return new SyncError('invalid_data', `${where}: ${message}`, { ...base, field });
}

/** Classifies an HTTP status from the eBWS endpoint that carried no SOAP fault. */
export function classifyHttpStatus(status: number, operation: string, url: string): SyncError {
  const details = { system: SYSTEM, status };
  if (status === 404) return new SyncError('fatal', `Sage 100 ${operation}: ${url} answered 404; check the eBWS endpoint URL (it ends in MasBasicService.svc).`, details);
  if (status === 401 || status === 403) return new SyncError('unauthorized', `Sage 100 ${operation}: ${url} refused access (HTTP ${status}); check the IIS authentication of the eBWS site.`, details);
  if (status === 429) return new SyncError('rate_limited', `Sage 100 ${operation}: throttled (HTTP 429).`, { ...details, retryAfterMs: 60_000 });
  return new SyncError('retryable', `Sage 100 ${operation}: eBWS answered HTTP ${status}${status === 503 ? ' (the service or its IIS application pool is stopped)' : ''}.`, details);
}

/** Classifies a network failure reaching eBWS (refused, reset, timed out). */
export function classifyNetworkError(code: string | undefined, message: string, operation: string, url: string, cause?: unknown): SyncError {
  const reason = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(message) ? 'timed out' : (code ?? message);
  // The original error stays the cause: the engine tells a lost store connection from a vendor failure by it.
  return new SyncError('retryable', `Sage 100 ${operation}: could not reach eBWS at ${url} (${reason}).`, { system: SYSTEM, vendorCode: code }, cause === undefined ? undefined : { cause });
}

/** The error raised when the `odbc` package or unixODBC cannot be loaded on this machine. */
export function odbcUnavailable(cause: unknown): SyncError {
  return new SyncError(
    'fatal',
    'Sage 100 reads need ODBC, which is not available on this machine: the optional "odbc" package could not be loaded ' +
      `(${(cause as Error)?.message ?? String(cause)}). Run "npm run setup" (it installs unixODBC: apt-get install -y unixodbc unixodbc-dev libsqliteodbc), then "npm rebuild odbc".`,
    { system: SYSTEM },
    { cause },
  );
}

/** One error record of the odbc package. */
export interface OdbcErrorRecord {
  state?: string;
  code?: number;
  message?: string;
}

/** Classifies an ODBC failure by SQLSTATE. `phase` says whether it happened while connecting or querying. */
export function classifyOdbcError(err: unknown, phase: 'connect' | 'query', what: string): SyncError {
  const records = ((err as { odbcErrors?: OdbcErrorRecord[] })?.odbcErrors ?? []) as OdbcErrorRecord[];
  const first = records[0] ?? {};
  const text = records.map((r) => r.message).filter(Boolean).join('; ') || (err as Error)?.message || String(err);
  const state = first.state ?? '';
  const details = { system: SYSTEM, vendorCode: state || undefined };
  if (phase === 'connect' && (state === 'IM002' || /data source name not found/i.test(text))) {
    return new SyncError('fatal', `Sage 100 ODBC: the DSN was not found (${text}). Create the DSN (usually SOTAMAS90) on the machine where Syncline runs, or set an ODBC connection string.`, details, { cause: err });
  }
  if (phase === 'connect' && (/can't open lib|file not found|driver.*not/i.test(text) || state === 'IM003' || state === '01000')) {
    return new SyncError(
      'fatal',
      `Sage 100 ODBC: the ODBC driver could not be loaded (${text}). Install the Sage 100 ODBC driver (or, for the sandbox, run "npm run setup" to install unixODBC and the SQLite ODBC driver) and check the Driver= name in the connection string.`,
      details,
      { cause: err },
    );
  }
  if (state === '28000' || /password|login|logon/i.test(text)) {
    return new SyncError('unauthorized', `Sage 100 ODBC: the driver refused the user or password (${text}).`, details, { cause: err });
  }
  if (phase === 'query' && (state.startsWith('42') || /no such (table|column)|syntax/i.test(text))) {
    return new SyncError('fatal', `Sage 100 ODBC: ${what} failed (${text}); the table or column may not exist in this Sage 100 version.`, details, { cause: err });
  }
  return new SyncError('retryable', `Sage 100 ODBC: ${what} failed (${text}).`, details, { cause: err });
}
