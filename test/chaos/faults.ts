/** The fault mix of a chaos run, turned into each emulator's `/__sandbox/faults` rules. */
import type { FaultRule } from '../../src/sandbox/shared/types.js';

/** Per-request probabilities of each fault, applied to every vendor API call of every emulator. */
export interface FaultRates {
  /** HTTP 429 with Retry-After: 1. */
  tooMany: number;
  /** HTTP 503. */
  unavailable: number;
  /** No answer at all (the connector's timeout fires). */
  timeout: number;
  /** Connection destroyed without an answer. */
  drop: number;
  /** The vendor's daily API limit error (Salesforce REQUEST_LIMIT_EXCEEDED, Pardot 122). */
  dailyLimit: number;
}

/** The default mix: about 6% of vendor calls fail. */
export const DEFAULT_FAULT_RATES: FaultRates = { tooMany: 0.02, unavailable: 0.02, timeout: 0.001, drop: 0.01, dailyLimit: 0.002 };

/** Vendor API paths only: never the control endpoints. */
const API = '^/(?!__sandbox)';

/** The rules for one emulator; `dailyLimitError` is its vendor code for a spent daily budget (none for Sage 100). */
export function faultRules(rates: FaultRates, dailyLimitError: string | null): FaultRule[] {
  // The injector takes the first rule that fires, so each rule's probability is conditional on the
  // earlier ones not firing; at these rates the difference from the nominal rate is negligible.
  const rules: FaultRule[] = [
    { path: API, probability: rates.tooMany, fault: { status: 429, headers: { 'retry-after': '1' }, body: { error: 'too many requests' } } },
    { path: API, probability: rates.unavailable, fault: { status: 503, body: { error: 'service unavailable' } } },
    { path: API, probability: rates.timeout, fault: { timeout: true } },
    { path: API, probability: rates.drop, fault: { drop: true } },
  ];
  if (dailyLimitError) rules.push({ path: API, probability: rates.dailyLimit, fault: { vendorError: dailyLimitError } });
  return rules.filter((r) => (r.probability ?? 0) > 0);
}
