/**
 * An open Sage X3 connection: the entity table over one SOAP client (writes) and one api1 client
 * (reads, change polling), both gated per call by the engine's limiter.
 */
import type { CheckResult, Connector, ConnectorContext, EntitySpec } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import { specsOf, tableMethods, type EntityTable } from '../shared/entities.js';
import { customerHandler } from './entities/customer.js';
import { itemHandler } from './entities/item.js';
import { readOnlyHandlers } from './entities/read-only.js';
import type { EntityContext } from './entities/rest-entity.js';
import { salesOrderHandler } from './entities/sales-order.js';
import { soapObjectWriter, type SoapWriteContext } from './entities/soap-object.js';
import { layoutWith, STANDARD_LAYOUTS } from './layouts.js';
import { graphqlNodes } from './graphql/nodes.js';
import { X3GraphqlReader } from './graphql/reader.js';
import { ConnectedAppToken } from './graphql/token.js';
import { X3RestClient, type X3Reader } from './rest-client.js';
import { sageX3Settings, type SageX3Settings } from './settings.js';
import { X3SoapClient } from './soap-client.js';

/** Options for tests and embedders. */
export interface SageX3ConnectionOptions {
  /** The clock (epoch ms); tests pin it. */
  now?: () => number;
}

/** Builds the entity table of a connection. */
export function entityTable(s: SageX3Settings, soap: X3SoapClient, rest: X3Reader, now: () => number): EntityTable {
  const ctx: EntityContext = { rest, settleMs: s.settleSeconds * 1000, now, ...(s.auditedDeletions ? { deletionAudit: s.deletionAudit } : {}) };
  const w: SoapWriteContext = { soap, format: s.resultFormat, modifyRetries: s.modifyRetries };
  let table: EntityTable = {};
  const findIds = (entity: string) => async (field: string, value: unknown) => (await table[entity].find!(field, value)).map((r) => r.id);
  const layout = (code: 'BPC' | 'SOH' | 'ITM', publicName: string) => layoutWith(STANDARD_LAYOUTS[code], s.layouts?.[publicName]);
  const customers = soapObjectWriter(
    { entity: 'BPCUSTOMER', publicName: s.publicNames.customer, layout: layout('BPC', s.publicNames.customer), flattenCustomer: true, createDefaults: s.defaultCustomerCategory ? { BCGCOD: s.defaultCustomerCategory } : {}, resultFields: ['BPCNAM', 'BCGCOD', 'CUR', 'PTE'], findIds: findIds('BPCUSTOMER') },
    w,
  );
  const orders = soapObjectWriter(
    { entity: 'SORDER', publicName: s.publicNames.salesOrder, layout: layout('SOH', s.publicNames.salesOrder), createDefaults: { SOHTYP: s.defaultOrderType, ...(s.defaultSalesSite ? { SALFCY: s.defaultSalesSite } : {}) }, resultFields: ['BPCORD', 'ORDDAT', 'CUR', 'ORDNOT', 'ORDATI', 'ORDSTA', 'HLDSTA'], findIds: findIds('SORDER') },
    w,
  );
  const items = soapObjectWriter({ entity: 'ITMMASTER', publicName: s.publicNames.item, layout: layout('ITM', s.publicNames.item), resultFields: ['ITMDES1', 'ITMSTA', 'BASPRI'], findIds: findIds('ITMMASTER') }, w);
  table = {
    BPCUSTOMER: customerHandler(ctx, customers),
    SORDER: salesOrderHandler(ctx, orders),
    ITMMASTER: itemHandler(ctx, items),
    ...readOnlyHandlers(ctx),
  };
  return table;
}

/** A Sage X3 connection. */
export class SageX3Connection implements Connector {
  readonly settings: SageX3Settings;
  readonly soap: X3SoapClient;
  readonly rest: X3RestClient;
  /** What entities read through: `rest`, or the GraphQL reader when `readApi` is graphql. */
  readonly reader: X3Reader;
  private readonly table: EntityTable;
  readonly readChanges: Connector['readChanges'];
  readonly readAll: NonNullable<Connector['readAll']>;
  readonly get: Connector['get'];
  readonly find: Connector['find'];
  readonly write: Connector['write'];
  readonly writeBatch: NonNullable<Connector['writeBatch']>;

  constructor(ctx: ConnectorContext, options: SageX3ConnectionOptions = {}) {
    const s = sageX3Settings.parse(ctx.settings, 'sagex3');
    this.settings = s;
    const base = s.baseUrl.replace(/\/+$/, '');
    this.soap = new X3SoapClient({ endpointUrl: `${base}${s.soapPath}`, wsdlUrl: s.wsdlUrl, user: s.user, password: s.password, language: s.language, poolAlias: s.poolAlias, format: s.resultFormat, timeoutMs: s.requestTimeoutMs, gate: ctx.gate });
    this.rest = new X3RestClient({ baseUrl: base, endpoint: s.endpoint, user: s.user, password: s.password, pageSize: s.pageSize, timeoutMs: s.requestTimeoutMs, gate: ctx.gate });
    this.reader = s.readApi === 'graphql' ? this.graphqlReader(s, base, ctx) : this.rest;
    this.table = entityTable(s, this.soap, this.reader, options.now ?? Date.now);
    const m = tableMethods(this.table, 'sagex3');
    this.readChanges = m.readChanges;
    this.readAll = m.readAll!;
    this.get = m.get;
    this.find = m.find;
    this.write = m.write;
    this.writeBatch = m.writeBatch!;
  }

  private graphqlReader(s: SageX3Settings, base: string, ctx: ConnectorContext): X3GraphqlReader {
    if (!s.graphqlClientId || !s.graphqlSecret) throw new SyncError('fatal', 'Sage X3: readApi is graphql, so graphqlClientId and graphqlSecret (the connected application) are required', { system: 'sagex3', field: s.graphqlClientId ? 'graphqlSecret' : 'graphqlClientId' });
    const nodes = graphqlNodes(s.graphqlRelease, s.graphqlNames);
    const token = new ConnectedAppToken({ clientId: s.graphqlClientId, secret: s.graphqlSecret, user: s.user, lifetimeSeconds: s.graphqlTokenSeconds, now: Date.now });
    return new X3GraphqlReader({ url: `${base}${s.graphqlPath}`, endpoint: s.endpoint, release: s.graphqlRelease, nodes, token, pageSize: s.pageSize, timeoutMs: s.requestTimeoutMs, gate: ctx.gate, fallback: this.rest });
  }

  /** Proves REST (user, endpoint) and SOAP (pool, customer web service) without changing anything. */
  async check(): Promise<CheckResult> {
    const info: Record<string, string> = { endpoint: this.settings.endpoint, poolAlias: this.settings.poolAlias };
    try {
      for await (const _ of this.rest.query('BPCUSTOMER', { count: 1 })) break;
      info.rest = 'ok';
      if (this.reader !== this.rest) {
        for await (const _ of this.reader.query('BPCUSTOMER', { count: 1 })) break;
        info.graphql = 'ok';
      }
      await this.soap.query(this.settings.publicNames.customer, [{ key: 'BPCNUM', value: '*' }], 1);
      info.soap = 'ok';
    } catch (err) {
      const e = err instanceof SyncError ? err : new SyncError('retryable', (err as Error).message);
      return { ok: false, message: e.message, info };
    }
    return { ok: true, message: `Connected to Sage X3 endpoint ${this.settings.endpoint} (REST api1 and SOAP pool ${this.settings.poolAlias}).`, info };
  }

  async discover(): Promise<EntitySpec[]> {
    return specsOf(this.table);
  }

  async close(): Promise<void> {}
}
