/** Regression tests for engine fixes the journeys needed. */
import { describe, expect, it } from 'vitest';
import { validateSettings } from '../../src/engine/connection-settings.js';
import { salesforceConnector } from '../../src/connectors/salesforce/index.js';

describe('engine fixes found by the journeys', () => {
  it('validates settings of a connector with conditional requirements (the Salesforce OAuth flows)', () => {
    expect(validateSettings(salesforceConnector, { loginUrl: 'https://login.salesforce.com', flow: 'client_credentials', clientId: 'k', clientSecret: 's' })).toEqual([]);
    expect(validateSettings(salesforceConnector, { loginUrl: 'https://login.salesforce.com', flow: 'sideways', clientId: 'k' }).join()).toMatch(/flow/);
  });
});
