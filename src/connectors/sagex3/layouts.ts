/**
 * Where each field goes in the XML of a published object: X3's web services want every field inside
 * the screen block (`GRP ID="BPC0_1"`, `TAB ID="BPAC_1"`) that holds it, and the block IDs come from
 * the installation's screen dictionary. These are the standard screens' blocks (as in Sage's samples);
 * the `layouts` setting moves a field to another block where a folder's screens differ.
 */

/** The layout of one published object. */
export interface ObjectLayout {
  /** The key field given in objectKeys. */
  key: string;
  /** Header blocks: block ID → screen field names. */
  groups: Record<string, string[]>;
  /** Record field → screen field, where they differ (`BPCSHO` → `BPRSHO`). */
  renames: Record<string, string>;
  /** List fields (`LST`): screen name → the record fields of its items. */
  lists: Record<string, string[]>;
  /** Child collections: record collection → table block and the renames of its line fields. */
  tables: Record<string, { id: string; renames: Record<string, string> }>;
  /** Screen fields of type Date (sent as YYYYMMDD). */
  dates: string[];
}

/** The standard layouts by object code. */
export const STANDARD_LAYOUTS: Record<'BPC' | 'SOH' | 'ITM', ObjectLayout> = {
  BPC: {
    key: 'BPCNUM',
    groups: {
      BPC0_1: ['BCGCOD', 'BPCSTA', 'BPCNUM', 'BPCNAM'],
      BPRC_1: ['BPRSHO', 'BPRLOG', 'BPRNAM', 'LEGETT', 'CRY', 'LAN', 'CRN', 'NAF', 'EECNUM', 'CUR', 'BPRFBDMAG'],
      BPC1_1: ['BPCTYP', 'BPCINV', 'BPCPYR', 'BPAADD', 'BPDADD', 'REP', 'TSCCOD'],
      BPC3_2: ['VACBPR', 'PTE'],
      BPC4_1: ['OSTCTL', 'OSTAUZ'],
    },
    renames: { BPCSHO: 'BPRSHO' },
    lists: { BPRNAM: ['BPRNAM1', 'BPRNAM2'] },
    tables: { BPADDRESS: { id: 'BPAC_1', renames: { BPAADD: 'CODADR' } }, CONTACT: { id: 'CNTC_1', renames: {} } },
    dates: [],
  },
  SOH: {
    key: 'SOHNUM',
    groups: {
      SOH0_1: ['SALFCY', 'SOHTYP', 'SOHNUM', 'CUSORDREF', 'BPCORD', 'ORDDAT', 'CUR'],
      SOH1_1: ['BPCINV', 'BPAORD', 'REP', 'PTE', 'VACBPR'],
      SOH2_1: ['STOFCY', 'DEMDLVDAT', 'SHIDAT'],
    },
    renames: {},
    lists: {},
    tables: { SORDERQ: { id: 'SOH4_1', renames: { SOPLIN: 'NUMLIG' } } },
    dates: ['ORDDAT', 'DEMDLVDAT', 'SHIDAT'],
  },
  ITM: {
    key: 'ITMREF',
    groups: {
      ITM0_1: ['TCLCOD', 'ITMSTA', 'ITMREF', 'DES1AXX', 'EANCOD'],
      ITM5_1: ['ACCCOD', 'VACITM'],
      ITM1_1: ['DES2AXX', 'DES3AXX', 'STU', 'SAU', 'SAUSTUCOE', 'ITMWEI'],
      ITM7_1: ['BASPRI', 'MINPRI'],
    },
    renames: { ITMDES1: 'DES1AXX', ITMDES2: 'DES2AXX', ITMDES3: 'DES3AXX' },
    lists: { VACITM: ['VACITM'] },
    tables: { ITMPCU: { id: 'ITM3_2', renames: {} } },
    dates: [],
  },
};

/** The standard layout with an installation's overrides (field → block ID) applied. */
export function layoutWith(base: ObjectLayout, overrides: Record<string, string> | undefined): ObjectLayout {
  if (!overrides || Object.keys(overrides).length === 0) return base;
  const groups = Object.fromEntries(Object.entries(base.groups).map(([id, fields]) => [id, fields.filter((f) => !(f in overrides))]));
  for (const [field, block] of Object.entries(overrides)) (groups[block] ??= []).push(field);
  return { ...base, groups };
}
