/**
 * An ERP profile of the demo: everything that differs between a Sage 100, a Sage X3 and a TIMS demo. The demo itself (Salesforce, Pardot, Syncline, the console, the CRM side of the
 * business day) is the same for all; a profile adds its emulator, its connection, its flow templates
 * and the ERP side of the business day. To add an ERP: write `profiles/<erp>.ts` exporting an
 * `ErpProfile`, and list it in `profiles/index.ts`; `npm start -- --erp <erp>` then runs it.
 */
import type { RunningEmulator } from '../../../sandbox/shared/types.js';
import type { SandboxEndpoints } from '../connections.js';
import type { BusinessEventKind } from '../traffic.js';

/** One kind of ERP business event the traffic generator can play. */
export interface ErpEvent {
  kind: BusinessEventKind;
  /** How likely it is now, relative to the others (0: not possible now, e.g. no open order). */
  weight(): number;
  /** Plays it through the ERP emulator's own interfaces; returns one readable sentence and the ids it touched. */
  play(random: () => number, serial: number): Promise<{ text: string; refs: Record<string, string> }>;
}

/** The ERP side of the business day. */
export interface ErpTraffic {
  /** The ERP's codes of sellable items; Salesforce products carrying one are sold on won deals. */
  itemCodes(): string[];
  /** The Product2 field that holds the ERP item code (`Sage100_Item_Code__c`). */
  productItemField: string;
  /** The longest company name the ERP takes: the demo's bad record is longer, on purpose. */
  companyNameLimit: number;
  /** Orders, shipments, invoices, credit and stock events. */
  events: ErpEvent[];
  /**
   * When the ERP's flows answer "tell me when it is back in stock" requests: the Pardot list name
   * prefix a request joins (`Back in stock: ` + item code). The generator then plays web visitors asking.
   */
  stockAlertListPrefix?: string;
}

/** A started ERP emulator as the demo uses it. */
export interface RunningErp {
  /** The emulator (for its URL and fault controls). */
  emulator: RunningEmulator;
  /** Where it listens, for the sandbox connection (`{ sage100: … }`, `{ sagex3: … }` or `{ tims: … }`). */
  endpoints: Pick<SandboxEndpoints, 'sage100' | 'sagex3' | 'tims'>;
  /** The guide's line(s) about this emulator. */
  guide: string[];
  traffic: ErpTraffic;
}

/** One ERP the demo can run. */
export interface ErpProfile {
  /** The `--erp` value and the connection name (`sage100`, `sagex3`, `tims`). */
  name: string;
  /** Shown in the terminal (`Sage 100`). */
  label: string;
  /** Folder of the flow templates deployed at start, inside the templates folder `flows/` (`.` for flows/ itself). */
  flowsDir: string;
  /** The emulator's preferred port. */
  defaultPort: number;
  /** Starts the emulator on `port`; `seed` is the profile's own seed-size option, if any. */
  start(options: { host: string; port: number; seed?: Record<string, number> }): Promise<RunningErp>;
}

/** The shop side of the business day (carts filled, abandoned, recovered). */
export interface ShopTraffic {
  events: ErpEvent[];
}

/** A started shop emulator as the demo uses it. */
export interface RunningShop {
  emulator: RunningEmulator;
  /** Where it listens, for the sandbox connection (`{ clarity: … }`). */
  endpoints: Pick<SandboxEndpoints, 'clarity'>;
  /** The guide's line(s) about this emulator. */
  guide: string[];
  traffic: ShopTraffic;
}

/** One web shop the demo can run beside the ERP (`--shop`). */
export interface ShopProfile {
  /** The `--shop` value and the connection name (`clarity`). */
  name: string;
  /** Shown in the terminal. */
  label: string;
  /** Folder of its flow templates inside `flows/`, deployed beside the ERP's. */
  flowsDir: string;
  /** The emulator's preferred port. */
  defaultPort: number;
  start(options: { host: string; port: number }): Promise<RunningShop>;
}
