/**
 * The one settings declaration of a Sage X3 connection: where Syracuse answers, the folder (endpoint)
 * and web service pool, the X3 user, the public names this installation gave its web services, and
 * the defaults new customers and orders get. Typed settings, validation and the console form all
 * derive from it.
 */
import { defineSettings, StringEnum, Type, type Static } from '../../core/settings-spec.js';

/** The public web service names, per installation (GESAWE). Defaults are Sage's sample names. */
const PublicNames = Type.Object(
  {
    customer: Type.String({ default: 'WSBPC', title: 'Customer (object BPC)', description: 'Public name of the web service published on the BPC object.' }),
    salesOrder: Type.String({ default: 'WSSOH', title: 'Sales order (object SOH)', description: 'Public name of the web service published on the SOH object.' }),
    item: Type.String({ default: 'WSITM', title: 'Item (object ITM)', description: 'Public name of the web service published on the ITM object.' }),
  },
  { default: {}, title: 'Web service public names', description: 'The names your X3 administrator published the objects under (Development → Web services → Web services, GESAWE).' },
);

/**
 * Where audited deletions are read (with auditedDeletions). Sage's documentation available to us names
 * the audit tables (AUDITH header, AUDITL fields) but not their columns or an api1 representation, so
 * every name is a setting; the defaults are the sandbox's.
 */
const X3_NAME = '^[A-Z][A-Z0-9_]*$';
const DeletionAudit = Type.Object(
  {
    cls: Type.String({ default: 'AUDITH', pattern: X3_NAME, title: 'Audit class', description: 'The api1 class (representation) that lists audit header rows.' }),
    tableColumn: Type.String({ default: 'CODFIC', pattern: X3_NAME, title: 'Table column', description: 'Column holding the audited table (compared with BPCUSTOMER).' }),
    typeColumn: Type.String({ default: 'TYPMVT', pattern: X3_NAME, title: 'Movement type column' }),
    deleteType: Type.String({ default: '3', title: 'Deletion movement type', description: 'The movement type value of a deletion.' }),
    keyColumn: Type.String({ default: 'CLEFIC', pattern: X3_NAME, title: 'Key column', description: 'Column holding the deleted record\'s key (BPCNUM).' }),
    stampColumn: Type.String({ default: 'UPDDATTIM', pattern: X3_NAME, title: 'Time column', description: 'UTC datetime of the audit row, compared with the poll window.' }),
  },
  { default: {}, title: 'Deletion audit names', description: 'Class and columns of X3\'s table audit (AUDITH) read when auditedDeletions is on; check them on your version.' },
);

/** The settings spec. */
export const sageX3Settings = defineSettings(
  Type.Object({
    baseUrl: Type.String({ title: 'Syracuse URL', description: 'Scheme, host and port of the Syracuse server, e.g. https://x3.example.com:8124 (no path).', pattern: '^https?://[^/]+$' }),
    endpoint: Type.String({ title: 'X3 endpoint (folder)', default: 'SEED', description: 'The endpoint name of the folder in Syracuse (Administration → Endpoints), used in REST URLs /api1/x3/erp/<endpoint>.' }),
    poolAlias: Type.String({ title: 'Web service pool alias', default: 'SEED', description: 'The alias of a started classic SOAP web service pool (Administration → Web services → Classic SOAP pools configuration).' }),
    user: Type.String({ title: 'X3 user', description: 'The Syracuse user the web services run as (HTTP Basic).' }),
    password: Type.String({ title: 'Password', 'x-secret': true }),
    language: Type.String({ title: 'Language (codeLang)', default: 'ENG', description: 'X3 language code of messages and texts (ENG, FRA, BRI...).' }),
    resultFormat: StringEnum(['XML', 'JSON'] as const, { title: 'SOAP result format', default: 'XML', description: 'adxwss.optreturn: XML (<RESULT> documents) or JSON; both are parsed.' }),
    soapPath: Type.String({ title: 'SOAP endpoint path', default: '/soap-generic/syracuse/collaboration/syracuse/CAdxWebServiceXmlCC', description: 'Path of CAdxWebServiceXmlCC; a V6 server uses /adxwsvc/services/CAdxWebServiceXmlCC.' }),
    wsdlUrl: Type.Optional(Type.String({ title: 'WSDL URL', description: 'Where to read the WSDL (default: the SOAP endpoint with ?wsdl).' })),
    publicNames: PublicNames,
    layouts: Type.Optional(
      Type.Record(Type.String(), Type.Record(Type.String(), Type.String()), {
        title: 'Screen layout overrides',
        description: 'Per public name, field → block ID (GRP or TAB) where your screens differ from the standard ones, e.g. {"WSBPC": {"OSTAUZ": "BPC5_1"}}.',
      }),
    ),
    defaultCustomerCategory: Type.Optional(Type.String({ title: 'Default customer category (BCGCOD)', description: 'Given to new customers whose flow sets none; X3 copies currency, terms, tax rule and credit defaults from it.' })),
    defaultSalesSite: Type.Optional(Type.String({ title: 'Default sales site (SALFCY)', description: 'Given to new sales orders whose flow sets none.' })),
    defaultOrderType: Type.String({ title: 'Default order type (SOHTYP)', default: 'SON' }),
    readApi: StringEnum(['rest', 'graphql'] as const, { title: 'Read path', default: 'rest', description: 'rest: the Syracuse REST api1 for every read. graphql: customers and items read through the GraphQL API (/xtrem/api, connected application); the other classes still through api1.' }),
    graphqlClientId: Type.Optional(Type.String({ title: 'GraphQL connected application: client ID', description: 'Administration → Settings → Authentication → Connected applications; the JWT issuer. Needed when readApi is graphql.' })),
    graphqlSecret: Type.Optional(Type.String({ title: 'GraphQL connected application: secret', 'x-secret': true, description: 'The application secret; signs the HS256 token. Needed when readApi is graphql.' })),
    graphqlRelease: StringEnum(['2021', '2023'] as const, { title: 'GraphQL schema naming', default: '2023', description: 'Node names moved between releases: 2023 (x3MasterData, 2023 and later) or 2021 (xtremX3MasterData, 2021–2022).' }),
    graphqlNames: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        title: 'GraphQL name overrides',
        description: 'Where your server names a node or property differently from the release defaults (docs/connectors/sagex3.md lists them): CLASS → package.node, CLASS.COLUMN → property, CLASS.CHILD → collection, CLASS.CHILD.COLUMN → line property, e.g. {"ITMMASTER": "x3MasterData.item", "BPCUSTOMER.UPDDATTIM": "updateStamp"}.',
      }),
    ),
    graphqlPath: Type.String({ title: 'GraphQL path', default: '/xtrem/api' }),
    graphqlTokenSeconds: Type.Integer({ title: 'GraphQL token lifetime (s)', default: 60, minimum: 10, maximum: 3600, description: 'Lifetime of each signed token; keep it at or below the connected application\'s token lifetime.' }),
    deletionAudit: DeletionAudit,
    auditedDeletions: Type.Boolean({ title: 'Customer deletions are audited', default: false, description: 'Table auditing (Setup → Usage → Audit, GESAUD) records deletions of BPCUSTOMER in AUDITH: customer polling then also reads those rows and reports the customers as deleted. Without it X3 shows no deletion to a poller.' }),
    pageSize: Type.Integer({ title: 'REST page size (count)', default: 100, minimum: 1, maximum: 1000 }),
    settleSeconds: Type.Integer({ title: 'Polling settle time (s)', default: 1, minimum: 0, description: 'UPDDATTIM has whole seconds: records of the current second are left for the next poll.' }),
    modifyRetries: Type.Integer({ title: 'Retries after a concurrent change', default: 3, minimum: 0, maximum: 10, description: 'How often a modify that lost a WW_MODSTAMP race is re-read and retried before it is reported as a conflict.' }),
    requestTimeoutMs: Type.Integer({ title: 'Call timeout (ms)', default: 60000, minimum: 1000 }),
  }),
);

/** The settings, typed, defaults applied. */
export type SageX3Settings = Static<typeof sageX3Settings.schema>;
