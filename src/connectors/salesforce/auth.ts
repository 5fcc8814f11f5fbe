/** Builds the connection's token source from its settings (the shared Salesforce OAuth code does the work). */
import type { ConnectorContext } from '../../core/connector.js';
import { SalesforceTokenSource } from '../shared/salesforce-oauth.js';
import type { SalesforceSettings } from './settings.js';

/** A token source for this connection; tokens are cached in the connection state. */
export function createTokenSource(settings: SalesforceSettings, ctx: Pick<ConnectorContext, 'state'>): SalesforceTokenSource {
  return new SalesforceTokenSource(
    {
      loginUrl: settings.loginUrl,
      flow: settings.flow,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      username: settings.username,
      privateKey: settings.privateKey,
      refreshToken: settings.refreshToken,
    },
    { state: ctx.state, audience: settings.audience },
  );
}
