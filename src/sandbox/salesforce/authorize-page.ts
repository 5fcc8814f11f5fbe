/**
 * The emulator's login-and-allow page of the web-server OAuth flow, as Salesforce shows it when the
 * authorize request asks for `prompt=login` (or `consent`): the user signs in, sees which app asks
 * for access, and allows or denies. The request's OAuth parameters travel as hidden fields.
 */

const PASSED = ['response_type', 'client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'scope'] as const;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The HTML of the login-and-allow page for an authorize request; `error` is shown above the form. */
export function authorizePage(query: URLSearchParams, appName: string, error?: string): string {
  const hidden = PASSED.filter((k) => query.has(k))
    .map((k) => `<input type="hidden" name="${k}" value="${esc(query.get(k) ?? '')}">`)
    .join('\n      ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Login | Salesforce (emulator)</title>
<style>body{font:15px system-ui,sans-serif;background:#f3f3f3;display:grid;place-items:center;min-height:100vh;margin:0}
form{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1.5rem;width:22rem;display:flex;flex-direction:column;gap:.7rem}
label{display:flex;flex-direction:column;gap:.2rem}.error{color:#c23934}.row{display:flex;gap:.5rem}</style></head>
<body><form method="post" action="/services/oauth2/authorize">
      <h1>Salesforce</h1>
      <p><strong>${esc(appName)}</strong> is asking to access your Salesforce data (api, refresh_token).</p>
      ${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
      <label>Username <input name="username" autocomplete="username"></label>
      <label>Password <input name="password" type="password" autocomplete="current-password"></label>
      ${hidden}
      <div class="row"><button name="decision" value="allow" type="submit">Log In and Allow</button>
      <button name="decision" value="deny" type="submit">Deny</button></div>
</form></body></html>`;
}
