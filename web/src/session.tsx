/** Who is signed in, shared with every page; pages ask `can(role)` to show or hide actions. */
import { createContext, useContext } from 'react';
import type { Me, Role } from './types';

const ORDER: Role[] = ['viewer', 'operator', 'admin'];

/** The signed-in session as pages see it. */
export interface Session {
  me: Me;
  /** True when the user's role is `role` or above. */
  can(role: Role): boolean;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

/** The session; only used inside the signed-in shell. */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in shell');
  return s;
}

/** Builds the role check for a user. */
export function roleCheck(role: Role) {
  return (need: Role) => ORDER.indexOf(role) >= ORDER.indexOf(need);
}
