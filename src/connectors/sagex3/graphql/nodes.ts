/**
 * The one module that knows the X3 GraphQL schema's names, because they moved between releases.
 * Names from Sage's examples (/work/shared/api §2.3): 2021–22 `xtremX3MasterData { businessPartner }`,
 * 2023+ `x3MasterData { customer }`, the customer properties `code`, `companyName1`,
 * `customerCategory`, `isActive`, `authorizedCreditAmount` and `addresses`. Every other name here (the
 * product node, the other properties, the contact and address line properties, the `_updateStamp` /
 * `_createStamp` system properties) is not in those examples: they are defaults that an installation
 * can rename with the `graphqlNames` setting (docs/connectors/sagex3.md). Each node lists its
 * properties against the X3 columns the rest of the connector uses, so records read through GraphQL
 * look exactly like api1 records (X3's own field names, menu-1 yes/no as 1/2). Classes without a node
 * here are read through api1.
 */
import { SyncError } from '../../../core/errors.js';

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

/**
 * An installation's renames (setting `graphqlNames`), keyed by X3 names: `CLASS` → `package.node`,
 * `CLASS.COLUMN` → property, `CLASS.CHILD` → collection property, `CLASS.CHILD.COLUMN` → line property.
 */
export type GraphqlNames = Record<string, string>;

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

function customer(pkg: string, node: string): NodeMap {
  return {
    pkg,
    node,
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

const RELEASES: Record<GraphqlRelease, () => Record<string, NodeMap>> = {
  '2021': () => ({ BPCUSTOMER: customer('xtremX3MasterData', 'businessPartner'), ITMMASTER: product('xtremX3MasterData') }),
  '2023': () => ({ BPCUSTOMER: customer('x3MasterData', 'customer'), ITMMASTER: product('x3MasterData') }),
};

const GQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const X3_NAME = /^[A-Z][A-Z0-9_]*$/;

function invalid(key: string, why: string): SyncError {
  return new SyncError('fatal', `Sage X3 setting graphqlNames["${key}"]: ${why}`, { system: 'sagex3', field: 'graphqlNames' });
}

/**
 * The nodes of a release with an installation's renames applied. A key naming a class, collection or
 * column the read path does not know, or a value that is not a GraphQL name, is a fatal error naming
 * the key (a typo would otherwise read nothing, or fail on every poll).
 */
export function graphqlNodes(release: GraphqlRelease, names: GraphqlNames = {}): Record<string, NodeMap> {
  const nodes = RELEASES[release]();
  for (const [key, value] of Object.entries(names)) {
    const [cls, second, third, ...rest] = key.split('.');
    const node = Object.hasOwn(nodes, cls) ? nodes[cls] : undefined;
    if (!node) throw invalid(key, `${cls} is not read through GraphQL (only ${Object.keys(nodes).join(', ')})`);
    if (rest.length) throw invalid(key, 'use CLASS, CLASS.COLUMN, CLASS.CHILD or CLASS.CHILD.COLUMN');
    if (second === undefined) {
      const [pkg, nodeName, ...more] = value.split('.');
      if (!nodeName || more.length || !GQL_NAME.test(pkg) || !GQL_NAME.test(nodeName)) throw invalid(key, `"${value}" is not package.node (e.g. x3MasterData.customer)`);
      node.pkg = pkg;
      node.node = nodeName;
      continue;
    }
    if (!GQL_NAME.test(value)) throw invalid(key, `"${value}" is not a GraphQL property name`);
    const collection = node.collections && Object.hasOwn(node.collections, second) ? node.collections[second] : undefined;
    if (third !== undefined) {
      if (!collection) throw invalid(key, `${cls} has no collection ${second} (${Object.keys(node.collections ?? {}).join(', ') || 'none'})`);
      if (!X3_NAME.test(third)) throw invalid(key, `${third} is not an X3 column name`);
      collection.columns = { ...collection.columns, [third]: value };
    } else if (collection) {
      collection.property = value;
    } else {
      if (!X3_NAME.test(second)) throw invalid(key, `${second} is not an X3 column name`);
      node.columns = { ...node.columns, [second]: value };
    }
  }
  return nodes;
}
