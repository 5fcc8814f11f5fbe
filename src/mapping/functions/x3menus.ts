/**
 * Sage X3 local menus ("menus locaux"): X3 stores choices as small integers and shows labels. Menu 1
 * is No/Yes with **1 = No, 2 = Yes** (not 0/1); the status menus of orders, items and credit control
 * have their own values. These functions turn codes into names and back, so a flow reads
 * `$x3Menu(DLVSTA, "DLVSTA")` → "Delivered" and writes `$x3MenuCode("Yes", "yesno")` → "2".
 */

/** The menus by the field name that uses them (and `yesno` for menu 1). Labels as X3 shows them in English. */
export const X3_MENUS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  yesno: { '1': 'No', '2': 'Yes' },
  ORDSTA: { '1': 'Open', '2': 'Closed' },
  DLVSTA: { '1': 'Not delivered', '2': 'Partly delivered', '3': 'Delivered' },
  INVSTA: { '1': 'Not invoiced', '2': 'Partly invoiced', '3': 'Invoiced' },
  HLDSTA: { '1': 'Not on hold', '2': 'On hold' },
  ALLSTA: { '1': 'Not allocated', '2': 'Partly allocated', '3': 'Allocated' },
  SOQSTA: { '1': 'Pending', '2': 'Late', '3': 'Closed' },
  ITMSTA: { '1': 'Active', '2': 'In development', '3': 'On shortage', '4': 'Not renewed', '5': 'Obsolete', '6': 'Not usable' },
  OSTCTL: { '1': 'Check', '2': 'No check', '3': 'Blocked' },
  BPCTYP: { '1': 'Normal', '4': 'Prospect' },
};
// Fields on menu 1.
for (const f of ['BPCSTA', 'BPAADDFLG', 'ENAFLG', 'CFMFLG', 'INVFLG', 'SALFLG', 'PURFLG']) (X3_MENUS as Record<string, Record<string, string>>)[f] = X3_MENUS.yesno;

function menuOf(menu: unknown): Readonly<Record<string, string>> {
  const name = typeof menu === 'number' ? (menu === 1 ? 'yesno' : String(menu)) : String(menu ?? '').trim();
  const m = X3_MENUS[name] ?? X3_MENUS[name.toUpperCase()] ?? (name === '1' ? X3_MENUS.yesno : undefined);
  if (!m) throw new Error(`$x3Menu: no local menu named ${JSON.stringify(menu)} (known: ${Object.keys(X3_MENUS).join(', ')})`);
  return m;
}

/** A local-menu code as its label: `$x3Menu(3, "DLVSTA")` → "Delivered"; `$x3Menu("2", "yesno")` → "Yes". Unknown codes give null. */
export function x3Menu(value: unknown, menu: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return null;
  return menuOf(menu)[String(value).trim()] ?? null;
}

/** A label (any case) or a boolean as the local-menu code: `$x3MenuCode("yes", "yesno")` → "2"; `$x3MenuCode(true, "BPCSTA")` → "2". Unknown labels give null. */
export function x3MenuCode(label: unknown, menu: unknown): string | null | undefined {
  if (label === undefined) return undefined;
  if (label === null || label === '') return null;
  const m = menuOf(menu);
  if (typeof label === 'boolean' && m === X3_MENUS.yesno) return label ? '2' : '1';
  const text = String(label).trim();
  if (Object.hasOwn(m, text)) return text;
  const hit = Object.entries(m).find(([, l]) => l.toLowerCase() === text.toLowerCase());
  return hit ? hit[0] : null;
}

/** Menu 1 as a boolean: `$x3YesNo("2")` → true, `$x3YesNo(1)` → false, anything else null. */
export function x3YesNo(value: unknown): boolean | null | undefined {
  if (value === undefined) return undefined;
  const v = String(value ?? '').trim();
  return v === '2' ? true : v === '1' ? false : null;
}
