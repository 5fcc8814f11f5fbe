/**
 * The web services published in this folder (X3's GESAWE function): each public name points at an
 * object (BPC customer, SOH sales order, ITM item) or a subprogram, with the screen layout its XML
 * uses: groups (`GRP ID="BPC0_1"`) and tables (`TAB ID="BPAC_1"`) of fields. The layouts follow the
 * screens of Sage's own samples; a real folder's IDs come from its screen dictionary, which is why
 * the public names and layouts are data here (and configurable in the connector).
 */

/** X3 field types as SOAP XML carries them. */
export type FieldType = 'Char' | 'Integer' | 'Decimal' | 'Date';

/** One field of a layout. */
export interface LayoutField {
  /** Screen field name, as in the XML (`DES1AXX`, `CODADR`). */
  name: string;
  type: FieldType;
  /** The stored field when the screen name differs (`DES1AXX` → `ITMDES1`, `CODADR` → `BPAADD`). */
  column?: string;
  /** A list field (`LST`): the stored fields of its items in order (`BPRNAM` → BPRNAM1, BPRNAM2). */
  list?: string[];
  /** A display-only description (`ZBCGCOD`): echoed on output, ignored on input. */
  display?: (row: Record<string, unknown>, lookup: (cls: string, key: string) => Record<string, unknown> | undefined) => string;
  /** Accepted on input but not stored (screen technical fields such as FLMOD). */
  transient?: boolean;
}

/** One block of a layout: a group of header fields or a table of lines. */
export interface LayoutBlock {
  id: string;
  fields: LayoutField[];
  /** For a table: the child collection its lines are, and its DIM. */
  table?: { collection: string; dim: number };
}

/** A published web service. */
export interface Publication {
  publicName: string;
  kind: 'object' | 'subprogram';
  /** For objects: the object code and the class it writes. */
  object?: 'BPC' | 'SOH' | 'ITM';
  cls?: 'BPCUSTOMER' | 'SORDER' | 'ITMMASTER';
  /** For objects: the key field given in objectKeys. */
  key?: string;
  blocks: LayoutBlock[];
}

const C = (name: string, extra: Partial<LayoutField> = {}): LayoutField => ({ name, type: 'Char', ...extra });
const I = (name: string, extra: Partial<LayoutField> = {}): LayoutField => ({ name, type: 'Integer', ...extra });
const D = (name: string, extra: Partial<LayoutField> = {}): LayoutField => ({ name, type: 'Decimal', ...extra });
const DT = (name: string): LayoutField => ({ name, type: 'Date' });
const Z = (name: string, fn: LayoutField['display']): LayoutField => ({ name, type: 'Char', display: fn });
const T = (name: string, type: FieldType = 'Char'): LayoutField => ({ name, type, transient: true });

const countries: Record<string, string> = { US: 'United States of America', CA: 'Canada', GB: 'United Kingdom', PT: 'Portugal', FR: 'France', DE: 'Germany' };
const currencies: Record<string, string> = { USD: 'US Dollar', EUR: 'Euro', GBP: 'Pound Sterling', CAD: 'Canadian Dollar' };

const customer: Publication = {
  publicName: 'WSBPC',
  kind: 'object',
  object: 'BPC',
  cls: 'BPCUSTOMER',
  key: 'BPCNUM',
  blocks: [
    { id: 'BPC0_1', fields: [C('BCGCOD'), Z('ZBCGCOD', (r, get) => String(get('BPCCATEGORY', String(r.BCGCOD))?.BCGDES ?? '')), I('BPCSTA'), C('BPCNUM'), C('BPCNAM')] },
    {
      id: 'BPRC_1',
      fields: [C('BPRSHO', { column: 'BPCSHO' }), C('BPRLOG'), C('BPRNAM', { list: ['BPRNAM1', 'BPRNAM2'] }), I('LEGETT'), C('CRY'), Z('ZCRY', (r) => countries[String(r.CRY)] ?? ''), C('LAN'), Z('ZLAN', (r) => (r.LAN === 'ENG' ? 'English - American' : String(r.LAN ?? ''))), C('CRN'), C('NAF'), C('EECNUM'), C('CUR'), Z('ZCUR', (r) => currencies[String(r.CUR)] ?? ''), I('BPRFBDMAG')],
    },
    { id: 'BPC1_1', fields: [I('BPCTYP'), C('BPCINV'), C('BPCPYR'), C('BPAADD'), C('BPDADD'), C('REP'), C('TSCCOD')] },
    { id: 'BPC3_2', fields: [C('VACBPR'), Z('ZVACBPR', (r) => (r.VACBPR === 'NT' ? 'Sage Sales Tax' : String(r.VACBPR ?? ''))), T('VATEXN'), C('PTE')] },
    { id: 'BPC4_1', fields: [I('OSTCTL'), D('OSTAUZ')] },
    {
      id: 'BPAC_1',
      table: { collection: 'BPADDRESS', dim: 30 },
      fields: [
        C('CODADR', { column: 'BPAADD' }),
        C('BPADES'),
        C('BPACRY'),
        C('CRYNAM'),
        C('ADDLIG1'),
        C('ADDLIG2'),
        C('ADDLIG3'),
        C('POSCOD'),
        C('CTY'),
        C('SAT'),
        ...['TEL1', 'TEL2', 'TEL3', 'TEL4', 'TEL5', 'WEB1', 'WEB2', 'WEB3', 'WEB4', 'WEB5'].map((n) => C(n)),
        T('FCYWEB'),
        T('EXTNUM'),
        I('BPAADDFLG'),
        T('FLMOD', 'Integer'),
        T('ADRVAL', 'Integer'),
        T('FLMODFONC', 'Integer'),
      ],
    },
    { id: 'CNTC_1', table: { collection: 'CONTACT', dim: 99 }, fields: [C('CCNCRM'), I('CNTTTL'), C('CNTFNA'), C('CNTLNA'), C('CNTFNC'), C('CNTEMA'), C('CNTTEL'), C('CNTMOB'), C('CNTADD')] },
  ],
};

const salesOrderBlocks: LayoutBlock[] = [
  { id: 'SOH0_1', fields: [C('SALFCY'), Z('ZSALFCY', (r, get) => String(get('FACILITY', String(r.SALFCY))?.FCYNAM ?? '')), C('SOHTYP'), C('SOHNUM'), C('CUSORDREF'), C('BPCORD'), Z('ZBPCORD', (r) => String(r.BPCNAM ?? '')), DT('ORDDAT'), C('CUR')] },
  { id: 'SOH1_1', fields: [C('BPCINV'), C('BPAORD'), C('REP'), C('PTE'), C('VACBPR')] },
  { id: 'SOH2_1', fields: [C('STOFCY'), DT('DEMDLVDAT'), DT('SHIDAT')] },
  { id: 'SOH3_1', fields: [I('ORDSTA'), I('DLVSTA'), I('INVSTA'), I('ALLSTA'), I('HLDSTA'), I('CDTSTA'), D('ORDNOT'), D('ORDATI'), I('LINNBR')] },
  {
    id: 'SOH4_1',
    table: { collection: 'SORDERQ', dim: 1002 },
    fields: [I('NUMLIG', { column: 'SOPLIN' }), C('ITMREF'), C('ITMDES1'), C('DSTOFCY'), D('QTY'), C('SAU'), D('SAUSTUCOE'), D('GROPRI'), D('NETPRI'), D('DLVQTY'), D('INVQTY'), I('SOQSTA')],
  },
];

const item: Publication = {
  publicName: 'WSITM',
  kind: 'object',
  object: 'ITM',
  cls: 'ITMMASTER',
  key: 'ITMREF',
  blocks: [
    { id: 'ITM0_1', fields: [C('TCLCOD'), Z('ZTCLCOD', (r) => (r.TCLCOD === 'BMSOL' ? 'Bike parts' : r.TCLCOD === 'FINPR' ? 'Finished bikes' : String(r.TCLCOD ?? ''))), I('ITMSTA'), C('ITMREF'), C('DES1AXX', { column: 'ITMDES1' }), C('EANCOD')] },
    { id: 'ITM5_1', fields: [C('ACCCOD'), Z('ZACCCOD', () => ''), C('VACITM', { list: ['VACITM'] }), C('ZVACITM', { list: ['ZVACITM'], transient: true })] },
    { id: 'ITM1_1', fields: [C('DES2AXX', { column: 'ITMDES2' }), C('DES3AXX', { column: 'ITMDES3' }), C('STU'), C('SAU'), D('SAUSTUCOE'), D('ITMWEI')] },
    { id: 'ITM7_1', fields: [D('BASPRI'), D('MINPRI')] },
    { id: 'ITM3_2', table: { collection: 'ITMPCU', dim: 4 }, fields: [C('PCU'), Z('ZPCU', (r) => String(r.PCU ?? '')), D('PCUSTUCOE'), I('DACPCUCOE'), I('PCURUL')] },
  ],
};

const getCustomers: Publication = {
  publicName: 'WSGETBPC',
  kind: 'subprogram',
  blocks: [
    { id: 'GRP1', fields: [C('BPCSTR'), C('BPCEND'), I('NBBPC')] },
    { id: 'GRP2', table: { collection: 'LINES', dim: 0 }, fields: [C('BPCNUM'), C('BPCNAM'), D('OSTAUZ')] },
  ],
};

const getItemPrice: Publication = { publicName: 'WSGETITM', kind: 'subprogram', blocks: [{ id: 'GRP1', fields: [C('ITM'), D('PRI')] }] };

/** The web services this folder publishes by default (Sage's sample names; `WSSOH_WS` is the sample's order variant). */
export function defaultPublications(): Map<string, Publication> {
  const pubs = [customer, { ...customer, publicName: 'YOBPC' }, { publicName: 'WSSOH', kind: 'object', object: 'SOH', cls: 'SORDER', key: 'SOHNUM', blocks: salesOrderBlocks } as Publication, { publicName: 'WSSOH_WS', kind: 'object', object: 'SOH', cls: 'SORDER', key: 'SOHNUM', blocks: salesOrderBlocks } as Publication, item, getCustomers, { ...getCustomers, publicName: 'WSGETBPC1' }, getItemPrice];
  return new Map(pubs.map((p) => [p.publicName, p]));
}
