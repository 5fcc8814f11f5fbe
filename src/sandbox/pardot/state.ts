/** The emulator's in-memory data: one business unit's objects, keyed by integer id. */
import type { Row } from './query.js';

/** An external activity type registered through the Tooling API (MarketingAppExtActivity). */
export interface ExternalActivityType {
  /** The MarketingAppExtension DeveloperName. */
  extension: string;
  /** The MarketingAppExtActivity DeveloperName. */
  type: string;
  isActive: boolean;
}

/** One CSV batch of an import. */
export interface ImportBatch {
  header: string[];
  rows: string[][];
}

/** An import job and its results. */
export interface ImportJob {
  row: Row;
  batches: ImportBatch[];
  /** Failed rows: the original cells plus the error text. */
  errors: Array<{ cells: string[]; error: string }>;
  header?: string[];
}

/** All objects of the emulated business unit. */
export class PardotState {
  prospects = new Map<number, Row>();
  customFields = new Map<number, Row>();
  lists = new Map<number, Row>();
  listMemberships = new Map<number, Row>();
  visitorActivities = new Map<number, Row>();
  campaigns = new Map<number, Row>();
  externalActivities = new Map<number, Row>();
  externalActivityTypes: ExternalActivityType[] = [];
  imports = new Map<number, ImportJob>();
  /**
   * The account setting "Allow Multiple Prospects with the Same Email Address" (AMPSEA). On, a create
   * with a used email makes another prospect; off, it is refused (code 9, as the v3 API refused it).
   */
  allowMultipleProspectsWithSameEmail = true;
  private counters = new Map<string, number>();

  /** Next integer id for an object type; each type starts at its own realistic base. */
  nextId(kind: 'prospect' | 'customField' | 'list' | 'listMembership' | 'visitorActivity' | 'campaign' | 'externalActivity' | 'import'): number {
    const bases = {
      prospect: 55_389_571,
      customField: 247_666,
      list: 48_211,
      listMembership: 912_000_001,
      visitorActivity: 3_300_000_001,
      campaign: 17_001,
      externalActivity: 800_001,
      import: 5_001,
    };
    const n = this.counters.get(kind) ?? bases[kind];
    this.counters.set(kind, n + 1);
    return n;
  }

  /** Prospects whose email equals `email` exactly (case-sensitive, as Pardot matches). */
  prospectsByEmail(email: string): Row[] {
    return [...this.prospects.values()].filter((p) => p.email === email);
  }
}
