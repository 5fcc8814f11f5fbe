/**
 * The nodes the emulated X3 GraphQL API serves, per release: the package and node names moved between
 * releases (2021–22 `xtremX3MasterData { businessPartner }`, 2023+ `x3MasterData { customer }`, see
 * docs/connectors/sagex3.md), the properties stayed. Each property reads one X3 column; menu-1 columns are booleans; stamps are the
 * system properties `_createStamp` / `_updateStamp`.
 */

/** A release's naming. */
export type GqlRelease = '2021' | '2023';

/** A collection property (address lines, contacts). */
export interface GqlCollection {
  child: string;
  properties: Record<string, string>;
  booleans?: readonly string[];
}

/** One node: where it is, which X3 class it reads, property → column. */
export interface GqlNode {
  pkg: string;
  node: string;
  typeName: string;
  cls: string;
  properties: Record<string, string>;
  booleans?: readonly string[];
  collections?: Record<string, GqlCollection>;
}

const ADDRESS: GqlCollection = {
  child: 'BPADDRESS',
  properties: { code: 'BPAADD', description: 'BPADES', country: 'BPACRY', addressLine1: 'ADDLIG1', addressLine2: 'ADDLIG2', addressLine3: 'ADDLIG3', zipCode: 'POSCOD', city: 'CTY', state: 'SAT', telephone1: 'TEL1', telephone2: 'TEL2', email1: 'WEB1', email2: 'WEB2', isDefault: 'BPAADDFLG' },
  booleans: ['isDefault'],
};
const CONTACT: GqlCollection = {
  child: 'CONTACT',
  properties: { code: 'CCNCRM', title: 'CNTTTL', firstName: 'CNTFNA', lastName: 'CNTLNA', function: 'CNTFNC', email: 'CNTEMA', telephone: 'CNTTEL', mobile: 'CNTMOB', defaultAddress: 'CNTADD' },
};
const STAMPS = { _createStamp: 'CREDATTIM', _updateStamp: 'UPDDATTIM' };

const customer = (pkg: string, node: string): GqlNode => ({
  pkg,
  node,
  typeName: 'Customer',
  cls: 'BPCUSTOMER',
  properties: { _id: 'BPCNUM', code: 'BPCNUM', companyName1: 'BPCNAM', shortCompanyName: 'BPCSHO', customerCategory: 'BCGCOD', isActive: 'BPCSTA', customerType: 'BPCTYP', country: 'CRY', language: 'LAN', currency: 'CUR', paymentTerm: 'PTE', taxRule: 'VACBPR', creditControl: 'OSTCTL', authorizedCreditAmount: 'OSTAUZ', defaultAddress: 'BPAADD', representative1: 'REP', registrationNumber: 'CRN', vatNumber: 'EECNUM', ...STAMPS },
  booleans: ['isActive'],
  collections: { addresses: ADDRESS, contacts: CONTACT },
});
const product = (pkg: string): GqlNode => ({
  pkg,
  node: 'product',
  typeName: 'Product',
  cls: 'ITMMASTER',
  properties: { _id: 'ITMREF', code: 'ITMREF', description1: 'ITMDES1', description2: 'ITMDES2', description3: 'ITMDES3', productCategory: 'TCLCOD', productStatus: 'ITMSTA', stockUnit: 'STU', salesUnit: 'SAU', salesUnitToStockUnitConversion: 'SAUSTUCOE', eanCode: 'EANCOD', weight: 'ITMWEI', basePrice: 'BASPRI', minimumPrice: 'MINPRI', ...STAMPS },
});

/** Every release's nodes. */
export const GQL_RELEASES: Record<GqlRelease, GqlNode[]> = {
  // Sage's 2021–22 examples read customers through `xtremX3MasterData { businessPartner }`.
  '2021': [customer('xtremX3MasterData', 'businessPartner'), product('xtremX3MasterData')],
  '2023': [customer('x3MasterData', 'customer'), product('x3MasterData')],
};
