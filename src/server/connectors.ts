/** The connectors this build ships. The engine never imports a connector; only this wiring does. */
import type { ConnectorDefinition, ConnectorRegistry } from '../core/connector.js';
import { httpConnector } from '../connectors/http/index.js';
import { salesforceConnector } from '../connectors/salesforce/index.js';
import { pardotConnector } from '../connectors/pardot/index.js';
import { sage100Connector } from '../connectors/sage100/index.js';
import { sageX3Connector } from '../connectors/sagex3/index.js';
import { clarityConnector } from '../connectors/clarity/index.js';
import { timsConnector } from '../connectors/tims/index.js';

/** Every built-in connector by type. */
export function builtInConnectors(extra: ConnectorDefinition[] = []): ConnectorRegistry {
  const all = [httpConnector, salesforceConnector, pardotConnector, sage100Connector, sageX3Connector, clarityConnector, timsConnector, ...extra];
  return new Map(all.map((c) => [c.type, c]));
}
