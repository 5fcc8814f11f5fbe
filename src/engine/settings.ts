/** Resolves `env:NAME` references in connection settings, so secrets can live in the environment instead of files. */
export function resolveEnvRefs<T>(value: T, env: NodeJS.ProcessEnv = process.env): T {
  if (typeof value === 'string' && value.startsWith('env:')) {
    const name = value.slice(4);
    const v = env[name];
    if (v === undefined) throw new Error(`environment variable ${name} is not set (referenced as "${value}")`);
    return v as T;
  }
  if (Array.isArray(value)) return value.map((v) => resolveEnvRefs(v, env)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnvRefs(v, env)])) as T;
  }
  return value;
}
