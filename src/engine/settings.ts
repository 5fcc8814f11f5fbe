/**
 * `env:NAME` references: secrets can live in the environment instead of files. Whoever can edit a
 * connection (the admin API) must not be able to make the server read any variable it likes and send
 * it to a base URL of their choosing, so a reference resolves only when the operator allowed it: the
 * name starts with an allowed prefix (default `SYNCLINE_CONN_`, more with SYNCLINE_ENV_PREFIXES), is
 * listed in SYNCLINE_ENV_ALLOW, or is what the config file itself wrote for that connection. The
 * server's own variables (master key, database URL) never resolve.
 */

/** Which `env:` references may resolve, decided by the operator. */
export interface EnvPolicy {
  /** Variable name prefixes any connection may reference. */
  prefixes: readonly string[];
  /** Variable names any connection may reference. */
  names: ReadonlySet<string>;
  /** Connection name → names its declaration in the config file references (the operator put them there). */
  perConnection: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The server's own variables: never handed to a connection or a flow, whatever the policy says. */
export const RESERVED_ENV = /^(SYNCLINE_(MASTER_KEY|DATABASE_URL|CONFIG|KEY_FILE)|DATABASE_URL|PG\w*)$/;

/** Default prefix of variables meant for connections. */
export const DEFAULT_ENV_PREFIX = 'SYNCLINE_CONN_';

/** Builds the policy from the environment and the config file's connections (their `env:` references). */
export function envPolicy(configConnections: Record<string, { settings: Record<string, unknown> }> = {}, env: NodeJS.ProcessEnv = process.env): EnvPolicy {
  const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const perConnection = new Map<string, Set<string>>();
  for (const [name, c] of Object.entries(configConnections)) perConnection.set(name, new Set(envRefsIn(c.settings)));
  return { prefixes: [DEFAULT_ENV_PREFIX, ...list(env.SYNCLINE_ENV_PREFIXES)], names: new Set(list(env.SYNCLINE_ENV_ALLOW)), perConnection };
}

/** True when `connection` may read variable `name` under `policy`. */
export function envAllowed(policy: EnvPolicy, name: string, connection?: string): boolean {
  if (RESERVED_ENV.test(name)) return false;
  if (policy.prefixes.some((p) => name.startsWith(p)) || policy.names.has(name)) return true;
  return connection !== undefined && (policy.perConnection.get(connection)?.has(name) ?? false);
}

/** Every variable name referenced as `env:NAME` anywhere in a value. */
export function envRefsIn(value: unknown): string[] {
  if (typeof value === 'string') return value.startsWith('env:') ? [value.slice(4)] : [];
  if (Array.isArray(value)) return value.flatMap(envRefsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(envRefsIn);
  return [];
}

/** How resolveEnvRefs decides. */
export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Return false to refuse a name; default: refuse only the server's own variables. */
  allow?: (name: string) => boolean;
}

/** Resolves `env:NAME` references in a value; throws when a name is refused or not set. */
export function resolveEnvRefs<T>(value: T, options: ResolveOptions = {}): T {
  const env = options.env ?? process.env;
  const allow = options.allow ?? ((name: string) => !RESERVED_ENV.test(name));
  if (typeof value === 'string' && value.startsWith('env:')) {
    const name = value.slice(4);
    if (!allow(name)) {
      throw new Error(
        `environment variable ${name} may not be read here (referenced as "${value}"): name connection variables ${DEFAULT_ENV_PREFIX}..., list the name in SYNCLINE_ENV_ALLOW, or write the reference in the config file`,
      );
    }
    const v = env[name];
    if (v === undefined) throw new Error(`environment variable ${name} is not set (referenced as "${value}")`);
    return v as T;
  }
  if (Array.isArray(value)) return value.map((v) => resolveEnvRefs(v, options)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnvRefs(v, options)])) as T;
  }
  return value;
}

/** Resolves a connection's settings under the policy. */
export function resolveConnectionEnv<T>(connection: string, value: T, policy: EnvPolicy, env: NodeJS.ProcessEnv = process.env): T {
  return resolveEnvRefs(value, { env, allow: (name) => envAllowed(policy, name, connection) });
}
