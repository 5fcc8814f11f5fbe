/**
 * The one module that knows the X3 GraphQL schema's names, because they moved between releases:
 * 2021–22 `xtremX3MasterData { customer | product }`, 2023+ `x3MasterData { … }` (Sage's examples,
 * /work/shared/api §2.3). Each node lists its properties against the X3 columns the rest of the
 * connector uses, so records read through GraphQL look exactly like api1 records (X3's own field
 * names, menu-1 yes/no as 1/2). Classes without a node here are read through api1.
 */

/** The schema naming of a release. */
export type GraphqlRelease = '2021' | '2023';

/** A collection property (address lines, contacts) with its properties → columns. */
export interface CollectionMap {
  /** The child collection's name in api1 records (BPADDRESS, CONTACT). */
  child: string;
  columns: Record<string, string>;
  /** Columns of local menu 1 (1 = No, 2 = Yes) that GraphQL gives as booleans. */
  yesNo?: readonly string[];
}

/** One node of a class. */
export interface NodeMap {
  /** Root package and node name: `x3MasterData`, `customer`. */
  pkg: string;
  node: string;
  /** Column → property. */
  columns: Record<string, string>;
  yesNo?: readonly string[];
  /** api1 child name → collection. */
  collections?: Record<string, { property: string } & CollectionMap>;
  /** The property `read(_id:)` takes and the column it holds. */
  idColumn: string;
}

const STAMPS = { UPDDATTIM: '_updateStamp', CREDATTIM: '_createStamp' };

const ADDRESS: CollectionMap = {
  child: 'BPADDRESS',
  columns: { BPAADD: 'code', BPADES: 'description', BPACRY: 'country', ADDLIG1: 'addressLine1', ADDLIG2: 'addressLine2', ADDLIG3: 'addressLine3', POSCOD: 'zipCode', CTY: 'city', SAT: 'state', TEL1: 'telephone1', TEL2: 'telephone2', WEB1: 'email1', WEB2: 'email2', BPAADDFLG: 'isDefault' },
  yesNo: ['BPAADDFLG'],
};
const CONTACT: CollectionMap = {
  child: 'CONTACT',
  columns: { CCNCRM: 'code', CNTTTL: 'title', CNTFNA: 'firstName', CNTLNA: 'lastName', CNTFNC: 'function', CNTEMA: 'email', CNTTEL: 'telephone', CNTMOB: 'mobile', CNTADD: 'defaultAddress' },
};

function customer(pkg: string): NodeMap {
  return {
    pkg,
    node: 'customer',
    idColumn: 'BPCNUM',
    columns: { BPCNUM: 'code', BPCNAM: 'companyName1', BPCSHO: 'shortCompanyName', BCGCOD: 'customerCategory', BPCSTA: 'isActive', BPCTYP: 'customerType', CRY: 'country', LAN: 'language', CUR: 'currency', PTE: 'paymentTerm', VACBPR: 'taxRule', OSTCTL: 'creditControl', OSTAUZ: 'authorizedCreditAmount', BPAADD: 'defaultAddress', REP: 'representative1', CRN: 'registrationNumber', EECNUM: 'vatNumber', ...STAMPS },
    yesNo: ['BPCSTA'],
    collections: { BPADDRESS: { property: 'addresses', ...ADDRESS }, CONTACT: { property: 'contacts', ...CONTACT } },
  };
}

function product(pkg: string): NodeMap {
  return {
    pkg,
    node: 'product',
    idColumn: 'ITMREF',
    columns: { ITMREF: 'code', ITMDES1: 'description1', ITMDES2: 'description2', ITMDES3: 'description3', TCLCOD: 'productCategory', ITMSTA: 'productStatus', STU: 'stockUnit', SAU: 'salesUnit', SAUSTUCOE: 'salesUnitToStockUnitConversion', EANCOD: 'eanCode', ITMWEI: 'weight', BASPRI: 'basePrice', MINPRI: 'minimumPrice', ...STAMPS },
  };
}

const RELEASES: Record<GraphqlRelease, Record<string, NodeMap>> = {
  '2021': { BPCUSTOMER: customer('xtremX3MasterData'), ITMMASTER: product('xtremX3MasterData') },
  '2023': { BPCUSTOMER: customer('x3MasterData'), ITMMASTER: product('x3MasterData') },
};

/** The node of an X3 class in a release, or undefined when that class is read through api1. */
export function nodeOf(release: GraphqlRelease, cls: string): NodeMap | undefined {
  return Object.hasOwn(RELEASES[release], cls) ? RELEASES[release][cls] : undefined;
}
