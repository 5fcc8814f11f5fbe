/** Pardot v5 is authenticated with a Salesforce access token: the shared Salesforce token source does the OAuth. */
import type { ConnectionState } from '../../core/connector.js';
import { SalesforceTokenSource, type SalesforceOAuthFlow } from '../shared/salesforce-oauth.js';
import type { PardotSettings } from './settings.js';

/** The part of a token source the client needs: a current token and a forced refresh. */
export interface AccessTokenProvider {
  get(): Promise<{ accessToken: string }>;
  refresh(): Promise<{ accessToken: string }>;
}

/** Builds the token source for a Pardot connection from its settings. */
export function pardotTokenSource(settings: PardotSettings, deps: { state: ConnectionState }): AccessTokenProvider {
  // The settings spec has already refused any other flow.
  const flow: SalesforceOAuthFlow = settings.authFlow;
  return new SalesforceTokenSource(
    {
      loginUrl: settings.loginUrl,
      flow,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      username: settings.username,
      privateKey: settings.privateKey,
      refreshToken: settings.refreshToken,
    },
    { state: deps.state },
  );
}
