/**
 * Turns a technical failure message into plain words for the console and the CLI: "cannot reach
 * the server at http://erp:8080: is it running?" instead of "GET http://erp:8080/health failed:
 * ECONNREFUSED". The one place such wording lives; callers keep the original as the technical detail.
 */

const RULES: Array<{ test: RegExp; say: (where: string) => string }> = [
  { test: /ECONNREFUSED|connection refused/i, say: (w) => `cannot reach the server at ${w}: is it running?` },
  { test: /ENOTFOUND|EAI_AGAIN|getaddrinfo/i, say: (w) => `the address ${w} cannot be found: check the host name (and this machine's DNS)` },
  { test: /EHOSTUNREACH|ENETUNREACH/i, say: (w) => `there is no network route to ${w}: check the address, VPN or firewall` },
  { test: /ECONNRESET|socket hang up|connection dropped/i, say: (w) => `the server at ${w} closed the connection mid-way: it may be restarting or overloaded` },
  { test: /ETIMEDOUT|timed out|UND_ERR_CONNECT_TIMEOUT/i, say: (w) => `the server at ${w} did not answer in time: it may be down, overloaded, or behind a firewall` },
  { test: /CERT_|self[- ]signed|certificate/i, say: (w) => `the server at ${w} presented a certificate this machine does not trust` },
  { test: /\b401\b|unauthori[sz]ed|invalid_grant|INVALID_SESSION_ID/i, say: (w) => `the server at ${w} refused the credentials: check or re-enter them` },
  { test: /\b403\b|forbidden/i, say: (w) => `the server at ${w} accepted the credentials but refused access: check the user's permissions` },
];

/** The origin (`http://host:port`) named in a message, or null. */
export function originIn(message: string): string | null {
  const url = /\bhttps?:\/\/[^\s"'<>)]+/i.exec(message)?.[0];
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** A plain-words version of a failure message, or the message itself when no rule knows it. */
export function explainError(message: string): string {
  const rule = RULES.find((r) => r.test.test(message));
  if (!rule) return message;
  return rule.say(originIn(message) ?? 'the configured address');
}
