/**
 * The X3 classes the emulator holds, with the fields of each (X3 V11/V12 data dictionary names) and
 * their child collections. REST `where` and `orderBy` accept exactly these fields.
 */
import { AUDIT_FIELDS, type ClassDef } from './model.js';

const withAudit = (fields: string[]): string[] => [...fields, ...AUDIT_FIELDS];

/** Address line of a business partner (BPADDRESS). */
export const ADDRESS_FIELDS = ['BPAADD', 'BPADES', 'BPACRY', 'CRYNAM', 'ADDLIG1', 'ADDLIG2', 'ADDLIG3', 'POSCOD', 'CTY', 'SAT', 'TEL1', 'TEL2', 'TEL3', 'TEL4', 'TEL5', 'WEB1', 'WEB2', 'WEB3', 'WEB4', 'WEB5', 'BPAADDFLG'];
/** Contact of a business partner (CONTACTCRM through CONTACT). */
export const CONTACT_FIELDS = ['CCNCRM', 'CNTTTL', 'CNTFNA', 'CNTLNA', 'CNTFNC', 'CNTEMA', 'CNTTEL', 'CNTMOB', 'CNTADD'];
/** Sales order line (SORDERP price part + SORDERQ quantity part). */
export const ORDER_LINE_FIELDS = ['SOPLIN', 'ITMREF', 'ITMDES1', 'QTY', 'SAU', 'SAUSTUCOE', 'GROPRI', 'NETPRI', 'DSTOFCY', 'DLVQTY', 'INVQTY', 'ALLQTY', 'SOQSTA', 'AMTNOTLIN'];

/** Every class by name. */
export const CLASSES: Record<string, ClassDef> = {
  FACILITY: { name: 'FACILITY', keys: ['FCY'], fields: withAudit(['FCY', 'FCYNAM', 'FCYSHO', 'CRY', 'LEGCPY', 'SALFLG', 'WRHFLG']) },
  BPCUSTOMER: {
    name: 'BPCUSTOMER',
    keys: ['BPCNUM'],
    fields: withAudit(['BPCNUM', 'BPCNAM', 'BPCSHO', 'BPRNAM1', 'BPRNAM2', 'BPRLOG', 'BCGCOD', 'BPCSTA', 'BPCTYP', 'CRY', 'LAN', 'CUR', 'PTE', 'VACBPR', 'OSTCTL', 'OSTAUZ', 'BPAADD', 'BPDADD', 'BPCINV', 'BPCPYR', 'REP', 'TSCCOD', 'CRN', 'NAF', 'EECNUM', 'LEGETT', 'BPRFBDMAG']),
    children: { BPADDRESS: { key: 'BPAADD', fields: ADDRESS_FIELDS }, CONTACT: { key: 'CCNCRM', fields: CONTACT_FIELDS } },
  },
  // Views the REST api1 serves over the customers' address and contact lines (BPATYP 1 = customer).
  BPADDRESS: { name: 'BPADDRESS', keys: ['BPATYP', 'BPANUM', 'BPAADD'], fields: withAudit(['BPATYP', 'BPANUM', ...ADDRESS_FIELDS]), derived: true },
  CONTACT: { name: 'CONTACT', keys: ['BPANUM', 'CCNCRM'], fields: withAudit(['BPANUM', ...CONTACT_FIELDS]), derived: true },
  BPCCATEGORY: { name: 'BPCCATEGORY', keys: ['BCGCOD'], fields: withAudit(['BCGCOD', 'BCGDES', 'CUR', 'PTE', 'VACBPR', 'OSTCTL', 'OSTAUZ', 'LAN']) },
  ITMMASTER: {
    name: 'ITMMASTER',
    keys: ['ITMREF'],
    fields: withAudit(['ITMREF', 'ITMDES1', 'ITMDES2', 'ITMDES3', 'TCLCOD', 'ITMSTA', 'STU', 'SAU', 'SAUSTUCOE', 'EANCOD', 'ITMWEI', 'BASPRI', 'MINPRI', 'ACCCOD', 'VACITM']),
    children: { ITMPCU: { key: 'PCU', fields: ['PCU', 'PCUSTUCOE', 'DACPCUCOE', 'PCURUL'] } },
  },
  STOCK: { name: 'STOCK', keys: ['STOFCY', 'STOCOU'], fields: withAudit(['STOFCY', 'STOCOU', 'ITMREF', 'LOT', 'SLO', 'LOC', 'LOCTYP', 'STA', 'QTYSTU', 'QTYPCU', 'PCU', 'CUMALLQTY', 'RCPDAT']) },
  ITMMVT: { name: 'ITMMVT', keys: ['ITMREF', 'STOFCY'], fields: withAudit(['ITMREF', 'STOFCY', 'PHYSTO', 'PHYALL', 'SALSTO', 'ORDSTO', 'AVC']) },
  SORDER: {
    name: 'SORDER',
    keys: ['SOHNUM'],
    fields: withAudit(['SOHNUM', 'SOHTYP', 'SALFCY', 'STOFCY', 'CPY', 'BPCORD', 'BPCINV', 'BPCNAM', 'BPAORD', 'CUSORDREF', 'ORDDAT', 'DEMDLVDAT', 'SHIDAT', 'CUR', 'PTE', 'VACBPR', 'ORDNOT', 'ORDATI', 'ORDSTA', 'DLVSTA', 'INVSTA', 'ALLSTA', 'HLDSTA', 'CDTSTA', 'SOHCAT', 'LINNBR', 'REP']),
    children: { SORDERQ: { key: 'SOPLIN', fields: ORDER_LINE_FIELDS } },
  },
  SDELIVERY: {
    name: 'SDELIVERY',
    keys: ['SDHNUM'],
    fields: withAudit(['SDHNUM', 'SDHTYP', 'SOHNUM', 'BPCORD', 'BPAADD', 'STOFCY', 'SALFCY', 'SHIDAT', 'DLVDAT', 'BPTNUM', 'MDL', 'CFMFLG', 'INVFLG', 'TRKNUM']),
    children: { SDELIVERYD: { key: 'SDDLIN', fields: ['SDDLIN', 'ITMREF', 'QTY', 'SOHNUM', 'SOPLIN', 'LOT', 'LOC'] } },
  },
  SINVOICE: {
    name: 'SINVOICE',
    keys: ['NUM'],
    fields: withAudit(['NUM', 'SIVTYP', 'INVTYP', 'BPR', 'BPRNAM', 'CPY', 'FCY', 'ACCDAT', 'INVDAT', 'CUR', 'AMTNOT', 'AMTATI', 'PTE', 'STRDUDDAT', 'STA', 'SOHNUM', 'SDHNUM']),
    children: { SINVOICED: { key: 'SIDLIN', fields: ['SIDLIN', 'ITMREF', 'QTYSTU', 'SOHNUM', 'SOPLIN', 'NETPRI', 'AMTNOTLIN'] } },
  },
  // Table auditing (Setup → Usage → Audit, GESAUD): one header row per audited change; the sandbox
  // audits deletions of customers, the only way X3 shows a deletion to a poller.
  AUDITH: { name: 'AUDITH', keys: ['AUDNUM'], fields: withAudit(['AUDNUM', 'CODFIC', 'CLEFIC', 'TYPMVT', 'USR']) },
  GACCDUDATE: { name: 'GACCDUDATE', keys: ['TYP', 'NUM', 'DUDLIG'], fields: withAudit(['TYP', 'NUM', 'DUDLIG', 'BPR', 'CPY', 'FCY', 'CUR', 'AMTCUR', 'PAYCUR', 'DUDDAT', 'SNS']) },
};

/** The class, or undefined. */
export function classOf(name: string): ClassDef | undefined {
  return Object.hasOwn(CLASSES, name) ? CLASSES[name] : undefined;
}

/** A row's key as REST shows it: key values joined with `~`. */
export function keyOf(def: ClassDef, row: Record<string, unknown>): string {
  return def.keys.map((k) => String(row[k] ?? '')).join('~');
}
