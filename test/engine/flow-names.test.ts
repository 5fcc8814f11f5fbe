/**
 * Deploy safety: a flow's entity and field names are checked against its connections' discovered
 * schemas at validate and deploy; a typo is refused naming the line and the closest real name. When
 * the system cannot be reached the stored discovery is used; a connection never discovered and down
 * falls back to the connector's declared entities.
 */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectorDefinition, EntitySpec } from '../../src/core/connector.js';
import { httpConnector } from '../../src/connectors/http/index.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { FlowValidationError } from '../../src/engine/flow-loader.js';
import { expressionRoots, flowNameIssues } from '../../src/engine/flow-names.js';
import { SynclineHub } from '../../src/engine/hub.js';
import { defineSettings } from '../../src/core/settings-spec.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

const leadFields = [
  { name: 'Id', type: 'id' },
  { name: 'Email', type: 'email' },
  { name: 'FirstName', type: 'string' },
  { name: 'LastName', type: 'string' },
  { name: 'Company', type: 'string' },
  { name: 'updatedAt', type: 'datetime' },
];
const customerFields = [
  { name: 'id', type: 'id', readOnly: true },
  { name: 'EmailAddress', type: 'email' },
  { name: 'CustomerName', type: 'string', maxLength: 30 },
  { name: 'custom', type: 'object' },
];

const crm = (url: string) => ({ baseUrl: url, entities: [{ name: 'Lead', idField: 'Id', updatedField: 'updatedAt', fields: leadFields, paths: { list: '/leads', get: '/leads/{id}' } }] });
const erp = (url: string) => ({ baseUrl: url, entities: [{ name: 'Customer', idField: 'id', fields: customerFields, paths: { create: '/customers', find: '/customers?{field}={value}' } }] });

function flow(over: { mapping?: string; entity?: string; filter?: string } = {}): string {
  return `name: leads-to-erp
trigger:
  type: poll
  every: 5m
source:
  connection: crm
  entity: ${over.entity ?? 'Lead'}
${over.filter ? `filter: '${over.filter}'\n` : ''}targets:
  - name: customer
    connection: erp
    entity: Customer
    mapping:
${over.mapping ?? `      EmailAddress: Email
      CustomerName: { expr: 'FirstName & " " & LastName' }
      custom.erpSource: { value: crm }`}
    match:
      keys: [EmailAddress]
`;
}

/** A connector whose live discovery can be switched off, to stand for a system that is down. */
function flakyConnector(state: { up: boolean; entities: EntitySpec[] }): ConnectorDefinition {
  const settings = defineSettings(Type.Object({}));
  return {
    type: 'flaky',
    label: 'Flaky',
    description: 'discovery that fails on demand',
    settings,
    settingsSchema: settings.jsonSchema,
    entities: [{ name: 'Thing', idField: 'id', fields: [{ name: 'id', type: 'id' }], operations: ['create'] }],
    rateLimits: {},
    create: () => ({
      check: async () => ({ ok: state.up, message: state.up ? 'up' : 'down' }),
      discover: async () => {
        if (!state.up) throw new Error('ECONNREFUSED');
        return state.entities;
      },
      readChanges: async () => ({ records: [], next: null, hasMore: false }),
      get: async () => null,
      find: async () => [],
      write: async () => ({ ok: true as const, id: '1', created: true }),
      close: async () => undefined,
    }),
  };
}

describe('flow names against discovered schemas', () => {
  let store: Store;
  let hub: SynclineHub;
  const flaky = { up: true, entities: [{ name: 'Widget', idField: 'id', fields: [{ name: 'id', type: 'id' as const }, { name: 'colour', type: 'string' as const }], operations: ['create' as const] }] };

  beforeEach(async () => {
    store = await openStore({ url: 'sqlite::memory:', masterKey: randomBytes(32).toString('hex') });
    const connectors = new Map<string, ConnectorDefinition>([
      ['http', httpConnector],
      ['flaky', flakyConnector(flaky)],
    ]);
    hub = new SynclineHub({ store, connectors, logger: pino({ level: 'silent' }) });
    await saveConnection(store, connectors, { name: 'crm', type: 'http', settings: crm('http://127.0.0.1:9') }, 'test');
    await saveConnection(store, connectors, { name: 'erp', type: 'http', settings: erp('http://127.0.0.1:9') }, 'test');
    await saveConnection(store, connectors, { name: 'shop', type: 'flaky', settings: {} }, 'test');
  });
  afterEach(async () => {
    await hub.stop();
    await store.close();
  });

  it('accepts a flow whose names all exist, nested target paths included', async () => {
    expect(await hub.validateFlowNames(flow())).toEqual([]);
    const { created } = await hub.deployFlow(flow(), 'test');
    expect(created).toBe(true);
  });

  it('refuses a misspelt target field with its line and the closest real name, at validate and deploy', async () => {
    const bad = flow({ mapping: "      EmailAddress: Email\n      CustomerNmae: { expr: 'LastName' }" });
    const issues = await hub.validateFlowNames(bad, 'leads.yaml');
    expect(issues).toEqual([
      {
        path: 'targets/0/mapping/CustomerNmae',
        message: expect.stringContaining('"CustomerNmae" is not a field of erp/Customer. Did you mean "CustomerName"?'),
        file: 'leads.yaml',
        line: 14,
        column: 7,
      },
    ]);
    await expect(hub.deployFlow(bad, 'test')).rejects.toBeInstanceOf(FlowValidationError);
    expect(await store.getFlow('leads-to-erp')).toBeNull();
  });

  it('names a misspelt source entity, source path, expression field and filter field', async () => {
    expect((await hub.validateFlowNames(flow({ entity: 'Laed' }))).map((i) => i.message)).toEqual([expect.stringMatching(/"Laed" is not an entity of connection "crm".*Did you mean "Lead"\?/)]);
    const typos = flow({ filter: 'Compnay != ""', mapping: "      EmailAddress: Emial\n      CustomerName: { expr: 'FirstName & \" \" & LastNme' }" });
    const messages = (await hub.validateFlowNames(typos)).map((i) => `${i.path} ${i.line}: ${i.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^filter 8: source field "Compnay" .*Did you mean "Company"\?/),
      expect.stringMatching(/^targets\/0\/mapping\/EmailAddress 14: source field "Emial" .*Did you mean "Email"\?/),
      expect.stringMatching(/^targets\/0\/mapping\/CustomerName\/expr 15: source field "LastNme" .*Did you mean "LastName"\?/),
    ]);
  });

  it('checks the first step of a nested target path', async () => {
    const issues = await hub.validateFlowNames(flow({ mapping: '      EmailAddress: Email\n      custon.erpNo: { value: x }' }));
    expect(issues.map((i) => i.message)).toEqual([expect.stringContaining('"custon" is not a field of erp/Customer. Did you mean "custom"?')]);
  });

  it('uses the stored discovery when the system is down, and the declared entities when it was never discovered', async () => {
    const widgetFlow = (field: string) => `name: widgets
trigger: { type: manual }
source: { connection: crm, entity: Lead }
targets:
  - name: w
    connection: shop
    entity: Widget
    mapping: { ${field}: FirstName, id: Id }
    match: { keys: [id] }
`;
    expect(await hub.validateFlowNames(widgetFlow('colour'))).toEqual([]);
    expect((await store.getConnectionSchema('shop'))?.entities.map((e) => e.name)).toEqual(['Widget']);
    flaky.up = false;
    // A new hub: nothing discovered in this process, the system is down, the stored discovery answers.
    const again = new SynclineHub({ store, connectors: hub.connectors, logger: pino({ level: 'silent' }) });
    const issues = await again.validateFlowNames(widgetFlow('color'));
    expect(issues.map((i) => i.message)).toEqual([expect.stringMatching(/"color" is not a field of shop\/Widget\. Did you mean "colour"\?/)]);
    expect(await again.connectionSchema('shop')).toMatchObject({ source: 'cache' });
    await again.stop();
    await store.deleteConnection('shop', 'test');
    await saveConnection(store, hub.connectors, { name: 'shop', type: 'flaky', settings: {} }, 'test');
    const fresh = new SynclineHub({ store, connectors: hub.connectors, logger: pino({ level: 'silent' }) });
    expect((await fresh.validateFlowNames(widgetFlow('colour'))).map((i) => i.message)).toEqual([expect.stringMatching(/"Widget" is not an entity of connection "shop" \(flaky, the connector's declared entities\)/)]);
    await fresh.stop();
    flaky.up = true;
  });

  it('does not check names a schema cannot know: open HTTP entities and generic webhook payloads', () => {
    const open: EntitySpec = { name: 'Customer', idField: 'id', fields: [{ name: 'id', type: 'id' }], operations: ['create'], openFields: true };
    const def = {
      name: 'x',
      trigger: { type: 'webhook' as const, unsigned: true },
      source: { connection: 'crm', entity: 'anything' },
      targets: [{ name: 't', connection: 'erp', entity: 'Customer', mapping: { whatever: 'nothing' } }],
    };
    expect(flowNameIssues(def, (c) => ({ connection: c, type: 'http', source: 'live', entities: [open] }))).toEqual([]);
  });

  it('reads the root fields of an expression, not the steps relative to them', () => {
    expect(expressionRoots('$map(Lines[qty > 0], function($l) { $l.sku }) & Account.Name & $xref("a", "b", OwnerId, "c", "d")').sort()).toEqual(['Account', 'Lines', 'OwnerId']);
  });
});
