/** The ERPs the demo can run (`--erp`), by name. Add a profile here to offer it. */
import { sage100Profile } from './sage100.js';
import { sageX3Profile } from './sagex3.js';
import type { ErpProfile } from './types.js';

export type { ErpEvent, ErpProfile, ErpTraffic, RunningErp } from './types.js';

/** Every profile by `--erp` name. */
export const ERP_PROFILES: Readonly<Record<string, ErpProfile>> = { sage100: sage100Profile, sagex3: sageX3Profile };

/** The profile named `name`; an error listing the known ones otherwise. */
export function erpProfile(name: string): ErpProfile {
  const p = Object.hasOwn(ERP_PROFILES, name) ? ERP_PROFILES[name] : undefined;
  if (!p) throw new Error(`unknown ERP "${name}"; choose from ${Object.keys(ERP_PROFILES).join(', ')}`);
  return p;
}
