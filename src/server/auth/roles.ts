/**
 * The three roles and their order. A route names the least role it needs; a higher role may do
 * everything a lower one can (admin > operator > viewer).
 */
import type { Role } from '../../store/types.js';

export type { Role };

/** Every role, least powerful first. */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** What a route requires: `public` (no sign-in) or the least role allowed. */
export type RouteAccess = 'public' | Role;

/** True when `have` is `need` or above it. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** True when the string names a role. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
