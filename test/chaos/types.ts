/** Shapes shared by the chaos runner and its emulator process. */

/** A converted lead the runner creates in the Salesforce emulator (as a sales rep would). */
export interface ConvertedLeadInput {
  FirstName?: string;
  LastName: string;
  Company: string;
  Email: string;
  City?: string;
  State?: string;
  Country?: string;
}

/** The final state of the three systems that the audit compares with the expected one. */
export interface EmulatorState {
  leads: Array<{ id: string; email: string | null; lastName: string | null; company: string | null; isConverted: boolean; convertedAccountId: string | null }>;
  contacts: Array<{ id: string; email: string | null; lastName: string | null }>;
  accounts: Array<{ id: string; sage100CustomerNo: string | null }>;
  customers: Array<{ division: string; customerNo: string; email: string | null; name: string | null }>;
  prospects: Array<{ id: number; email: string | null; lastName: string | null }>;
}

/** The endpoints the emulator process prints when ready. */
export interface EmulatorEndpoints {
  /** The harness endpoint (state dump, converted leads). */
  control: string;
  salesforce: { url: string };
  pardot: { url: string; businessUnitId: string };
  sage100: { endpointUrl: string; odbcConnectionString: string; companyCode: string; url: string };
}
