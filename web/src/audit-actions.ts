/** Audit actions in words, for the audit log; the recorded action name stays visible beside them. */
export const ACTION_WORDS: Record<string, string> = {
  'alert.acknowledge': 'acknowledged an alert',
  'alert.silence': 'silenced an alert',
  'alert.channel.create': 'added a notification channel',
  'alert.channel.update': 'changed a notification channel',
  'alert.channel.delete': 'deleted a notification channel',
  'alert.rule.create': 'added an alert rule',
  'alert.rule.update': 'changed an alert rule',
  'alert.rule.delete': 'deleted an alert rule',
  'auth.login': 'signed in',
  'auth.login_failed': 'failed to sign in',
  'auth.logout': 'signed out',
  'connection.create': 'added a connection',
  'connection.update': 'changed a connection',
  'connection.delete': 'deleted a connection',
  'connection.test': 'tested a connection',
  'connection.resume': 'resumed a connection’s flows',
  'connection.authorize': 'connected by OAuth',
  'dead_letter.edit': 'edited a dead letter',
  'dead_letter.replay': 'replayed a dead letter',
  'dead_letter.discard': 'discarded a dead letter',
  'flow.deploy': 'deployed a flow',
  'flow.rollback': 'rolled a flow back',
  'flow.status': 'paused or resumed a flow',
  'flow.pause': 'paused a flow',
  'flow.resume': 'resumed a flow',
  'flow.run': 'ran a flow now',
  'flow.export': 'exported flows',
  'flow.import': 'imported flows',
  'review.resolve': 'resolved a sync review',
  'reconcile.apply': 'applied reconciliation fixes',
  'keys.rotate': 'rotated the master key',
  'token.create': 'created an API token',
  'token.revoke': 'revoked an API token',
  'user.create': 'created a user',
  'user.update': 'changed a user',
  'user.password_change': 'changed a password',
};

/** The families offered in the filter: value sent to the API → label. */
export const ACTION_FAMILIES: Array<[string, string]> = [
  ['', 'all actions'],
  ['alert.', 'alerts and notifications'],
  ['auth.', 'sign-ins'],
  ['connection.', 'connections'],
  ['dead_letter.', 'dead letters'],
  ['flow.', 'flows'],
  ['review.', 'sync reviews'],
  ['reconcile.', 'reconciliation'],
  ['user.', 'users'],
  ['token.', 'API tokens'],
  ['keys.', 'keys'],
];

/** The words for an action, or the action itself when it has none yet. */
export function actionInWords(action: string): string {
  return ACTION_WORDS[action] ?? action;
}
