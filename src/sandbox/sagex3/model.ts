/**
 * The emulated X3 folder's data model: every class is a table of rows keyed by its key fields, each row
 * a flat record of X3 field names (values as X3 renders them: strings, decimals as exact strings, dates
 * `YYYY-MM-DD` inside, stamps ISO) plus child collections (addresses, contacts, order lines). Errors
 * are X3 messages (`FIELD : text`), raised as X3Error and rendered by SOAP and REST in their own shape.
 */

/** A child line (address, contact, order line). */
export type Line = Record<string, string>;

/** One stored record: fields, and child collections by name. */
export interface Row {
  [field: string]: string | Line[];
}

/** A message as X3 reports it: type 1 information, 2 warning, 3 error. */
export interface X3Message {
  type: 1 | 2 | 3;
  message: string;
}

/** A refused operation; `messages` are what X3 answers (status 0), `httpStatus` what REST answers. */
export class X3Error extends Error {
  constructor(
    readonly messages: X3Message[],
    /** The REST status for this failure (400 validation, 404 not found, 409 conflict, 423 locked). */
    readonly httpStatus = 400,
  ) {
    super(messages.map((m) => m.message).join('; '));
    this.name = 'X3Error';
  }

  /** One type-3 message. */
  static of(message: string, httpStatus = 400): X3Error {
    return new X3Error([{ type: 3, message }], httpStatus);
  }
}

/** One class as the folder holds it. */
export interface ClassDef {
  /** Class / table name (`BPCUSTOMER`). */
  name: string;
  /** Key fields, in order; REST joins their values with `~`. */
  keys: string[];
  /** Every field a row may hold (REST `where` refuses others). */
  fields: string[];
  /** Child collections and the key field of their lines. */
  children?: Record<string, { key: string; fields: string[] }>;
  /** A read-only view computed from the customers' lines, not a stored table. */
  derived?: boolean;
}

/** Audit fields every table has. */
export const AUDIT_FIELDS = ['CREDAT', 'CREUSR', 'UPDDAT', 'UPDUSR', 'CREDATTIM', 'UPDDATTIM', 'AUUID'] as const;

/** The local menus the emulator knows (number → labels by value), as X3 renders MENULAB. */
export const LOCAL_MENUS: Record<number, Record<string, string>> = {
  1: { '1': 'No', '2': 'Yes' },
  // ITMSTA
  246: { '1': 'Active', '2': 'In development', '3': 'On shortage', '4': 'Not renewed', '5': 'Obsolete', '6': 'Not usable' },
  // ORDSTA
  415: { '1': 'Open', '2': 'Closed' },
  // DLVSTA
  418: { '1': 'Not delivered', '2': 'Partly delivered', '3': 'Delivered' },
  // INVSTA
  419: { '1': 'Not invoiced', '2': 'Partly invoiced', '3': 'Invoiced' },
  // HLDSTA
  2423: { '1': 'Not on hold', '2': 'On hold' },
  // OSTCTL
  2401: { '1': 'Check', '2': 'No check', '3': 'Blocked' },
  // PCURUL
  2706: { '1': 'Unpack', '2': 'Do not unpack' },
};

/** Which local menu a field's value belongs to (for MENULAB/MENULOCAL on SOAP output). Menus 1 and 246 are X3's; the others are the emulator's numbering. */
export const FIELD_MENUS: Record<string, number> = {
  BPCSTA: 1,
  BPAADDFLG: 1,
  LEGETT: 1,
  BPRFBDMAG: 1,
  ADRVAL: 1,
  DACPCUCOE: 1,
  ITMSTA: 246,
  ORDSTA: 415,
  DLVSTA: 418,
  INVSTA: 419,
  HLDSTA: 2423,
  OSTCTL: 2401,
  PCURUL: 2706,
};
