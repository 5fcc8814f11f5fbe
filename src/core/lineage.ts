import type { JsonValue } from './json.js';

/** Which source fields and which rule produced one target field: the answer to "why does this prospect have that value?". */
export interface LineageEntry {
  /** Target field name. */
  field: string;
  /** Source paths the rule read (`FirstName`, `Lines[].Amount`). */
  sources: string[];
  /** The rule in readable form (`copy Email`, `$phoneE164(Phone, "US")`, `map grades`, `default "A"`). */
  rule: string;
  /** The value written. */
  value: JsonValue;
  /**
   * Set when a function or value map turned a value the source had into nothing (an unparseable
   * phone, an unknown picklist value): said on the run instead of writing an empty field silently.
   */
  warning?: string;
}
