/**
 * An open TIMS connection: check (the bridge's contract version), discover (the declared entities),
 * and every entity operation through one handler table.
 */
import type { CheckResult, Connector, ConnectorContext, EntitySpec } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import { specsOf, tableMethods, type EntityTable } from '../shared/entities.js';
import { TimsClient } from './client.js';
import { SYSTEM } from './errors.js';
import { availabilityHandler, availabilitySpec, itemHandler, itemSpec } from './entities/catalogue.js';
import { contactHandler, contactSpec, cylinderBalanceHandler, cylinderBalanceSpec, locationHandler, locationSpec } from './entities/customer-parts.js';
import { customerHandler, customerSpec } from './entities/customer.js';
import { orderHandler, orderSpec } from './entities/order.js';
import { invoiceHandler, invoiceSpec, paymentHandler, paymentSpec, statementHandler, statementSpec } from './entities/receivables.js';
import type { EntityDeps } from './entities/shared.js';
import { timsSettings } from './settings.js';

/** The major version of the bridge contract this connector speaks (docs/connectors/tims-contract.yaml `info.version`). */
export const CONTRACT_MAJOR = 1;

/** Every entity's handler, by name. */
export function timsEntityTable(deps: EntityDeps): EntityTable {
  return {
    customer: customerHandler(deps),
    location: locationHandler(deps),
    contact: contactHandler(deps),
    cylinderBalance: cylinderBalanceHandler(deps),
    item: itemHandler(deps),
    availability: availabilityHandler(deps),
    order: orderHandler(deps),
    invoice: invoiceHandler(deps),
    payment: paymentHandler(deps),
    statement: statementHandler(deps),
  };
}

/** The entity specs, known without a bridge (in the table's order). */
export const TIMS_ENTITIES: EntitySpec[] = [customerSpec, locationSpec, contactSpec, cylinderBalanceSpec, itemSpec, availabilitySpec, orderSpec, invoiceSpec, paymentSpec, statementSpec];

/** Creates a connection; no I/O until first used. */
export function createTimsConnection(ctx: ConnectorContext, now: () => number = Date.now): Connector {
  const settings = timsSettings.parse(ctx.settings, SYSTEM);
  const client = new TimsClient(settings, ctx.gate);
  const table = timsEntityTable({ client, settings, now });
  return {
    ...tableMethods(table, SYSTEM),
    async check(): Promise<CheckResult> {
      try {
        const info = await client.call('GET', '/info');
        const version = String(info.contractVersion ?? '');
        const major = Number(version.split('.')[0]);
        if (major !== CONTRACT_MAJOR) {
          return { ok: false, message: `the TIMS bridge implements contract ${version}; this connector speaks ${CONTRACT_MAJOR}.x`, info: { contractVersion: version } };
        }
        return { ok: true, message: `connected to ${String(info.companyName)} through the TIMS bridge`, info: { company: String(info.companyName), contractVersion: version, timsVersion: String(info.timsVersion) } };
      } catch (err) {
        if (err instanceof SyncError) return { ok: false, message: err.message };
        throw err;
      }
    },
    async discover() {
      return specsOf(table);
    },
    async close() {},
  };
}
