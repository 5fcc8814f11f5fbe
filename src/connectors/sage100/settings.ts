/**
 * The connection settings of a Sage 100 connection, declared once (core/settings-spec.ts: validated
 * by the engine, rendered by the console, listed on the reference page) and their typed reading.
 */
import { dsnConnectionString } from './odbc-client.js';
import { SyncError } from '../../core/errors.js';
import { Defaulted, defineSettings, Type } from '../../core/settings-spec.js';
import { isValidTimeZone } from './stamps.js';

const schema = Type.Object({
  endpointUrl: Type.String({ minLength: 1, title: 'eBWS endpoint URL', description: 'The eBusiness Web Services basic endpoint, e.g. https://sage.example.com/MAS200WebServices/MasBasicService.svc (the WSDL is read from ?wsdl).' }),
  companyCode: Type.String({ title: 'Company code', pattern: '^[A-Za-z0-9]{3}$', description: 'The 3-character Sage 100 company code (e.g. ABC).' }),
  username: Type.String({ minLength: 1, title: 'Sage 100 user', description: 'A Sage 100 user whose role may use A/R Customer Maintenance and S/O Sales Order Entry.' }),
  password: Type.String({ minLength: 1, title: 'Password', 'x-secret': true }),
  odbcDsn: Defaulted(Type.String({ title: 'ODBC DSN', description: 'The system DSN of the Sage 100 ODBC driver on the machine where Syncline runs; user, password and company are added from the fields above.' }), 'SOTAMAS90'),
  odbcConnectionString: Type.Optional(Type.String({ title: 'ODBC connection string', 'x-secret': true, description: 'A full ODBC connection string; used instead of the DSN when set (e.g. Driver=...;UID=...;PWD=...;Company=ABC).' })),
  timeZone: Defaulted(Type.String({ title: 'Sage server time zone', description: 'IANA zone of the Sage 100 server clock (e.g. America/Chicago). DateUpdated/TimeUpdated are local time there.' }), 'UTC'),
  defaultARDivisionNo: Defaulted(Type.String({ title: 'Default division for new customers', pattern: '^\\d{2}$' }), '01'),
  defaultSalespersonDivisionNo: Type.Optional(Type.String({ title: 'Default salesperson division', description: 'Defaults to the customer division.' })),
  defaultSalespersonNo: Type.Optional(Type.String({ title: 'Default salesperson for new customers', maxLength: 4, description: 'Sage requires a salesperson when a customer is added.' })),
  defaultTermsCode: Type.Optional(Type.String({ title: 'Default terms code for new customers', maxLength: 2 })),
  defaultCustomerType: Type.Optional(Type.String({ title: 'Default customer type for new customers', maxLength: 4 })),
  defaultPriceLevel: Type.Optional(Type.String({ title: 'Default price level for new customers', maxLength: 1 })),
  defaultTaxSchedule: Type.Optional(Type.String({ title: 'Default tax schedule for new customers', maxLength: 9 })),
  requestTimeoutMs: Defaulted(Type.Integer({ title: 'eBWS call timeout (ms)', minimum: 1000 }), 30000),
  settleSeconds: Defaulted(
    Type.Integer({ title: 'Settle time (s)', minimum: 0, description: 'Change polling leaves records stamped in the last N seconds for a later poll (a workstation still saving). Usually 0: the overlap catches late writes.' }),
    0,
  ),
  pollOverlapSeconds: Defaulted(
    Type.Integer({
      title: 'Connector-side polling overlap (s)',
      minimum: 0,
      description: "Re-read changes stamped up to this long before the watermark and drop the ones already produced (kept in the watermark). The engine passes the poll trigger's `overlap`; the larger of the two is used. Set it when the caller keeps the returned watermark as is.",
    }),
    0,
  ),
});

/** The one declaration of a Sage 100 connection's settings. */
export const sage100Settings = defineSettings(schema);

/** The settings, typed: the declaration's, with the values derived from them (ODBC connection string, new-customer defaults, overlap in ms). */
export type Sage100Settings = ReturnType<typeof parseSettings>;

const opt = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Reads and checks the settings; a missing or malformed value is a fatal configuration error. */
export function parseSettings(raw: Record<string, unknown>) {
  const s = sage100Settings.parse(raw, 'sage100');
  const endpointUrl = s.endpointUrl.trim().replace(/\?wsdl$/i, '');
  const companyCode = s.companyCode.toUpperCase();
  const username = s.username.trim();
  const password = s.password.trim();
  const timeZone = opt(s.timeZone) ?? 'UTC';
  if (!isValidTimeZone(timeZone)) throw new SyncError('fatal', `Sage 100 connection: "${timeZone}" is not a known IANA time zone.`, { system: 'sage100', field: 'timeZone' });
  const dsn = opt(s.odbcDsn) ?? 'SOTAMAS90';
  const odbcConnectionString = opt(s.odbcConnectionString) ?? dsnConnectionString({ dsn, username, password, companyCode });
  return {
    ...s,
    endpointUrl,
    companyCode,
    username,
    password,
    /** The ODBC connection string actually used. */
    odbcConnectionString,
    timeZone,
    defaults: {
      ARDivisionNo: opt(s.defaultARDivisionNo) ?? '01',
      SalespersonDivisionNo: opt(s.defaultSalespersonDivisionNo),
      SalespersonNo: opt(s.defaultSalespersonNo),
      TermsCode: opt(s.defaultTermsCode),
      CustomerType: opt(s.defaultCustomerType),
      PriceLevel: opt(s.defaultPriceLevel),
      TaxSchedule: opt(s.defaultTaxSchedule),
    },
    pollOverlapMs: s.pollOverlapSeconds * 1000,
  };
}
