/**
 * Strict numbers in query strings and path parameters, for every route of the table. Ajv's
 * coercion reads `1e309` and `Infinity` as Infinity (which passes `type: integer`), `9007199254740993`
 * as a rounded neighbour, `0x10` as 16 and a blank as 0, and a store handed Infinity answers 500.
 * So the raw text of every numeric parameter must be plain decimal digits of a safe size before
 * validation coerces it; anything else is a 400 naming the parameter.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './route.js';

/** Whole numbers up to 15 digits (always exact in a double). */
const INTEGER = /^-?\d{1,15}$/;
/** Decimals with up to 15 digits on each side of the point. */
const DECIMAL = /^-?\d{1,15}(\.\d{1,15})?$/;

type Kind = 'integer' | 'number';

/** The numeric properties of a request schema (object with `properties`), by name. */
function numericProps(schema: unknown): Array<[string, Kind]> {
  const props = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {};
  return Object.entries(props).flatMap(([name, s]) => (s.type === 'integer' || s.type === 'number' ? [[name, s.type] as [string, Kind]] : []));
}

/** A preValidation hook checking the raw numeric query and path parameters of a route, or undefined when it has none. */
export function strictNumericParams(schema: { querystring?: unknown; params?: unknown }): ((request: FastifyRequest) => Promise<void>) | undefined {
  const checks: Array<['query' | 'params', string, Kind]> = [
    ...numericProps(schema.querystring).map(([n, k]) => ['query', n, k] as ['query', string, Kind]),
    ...numericProps(schema.params).map(([n, k]) => ['params', n, k] as ['params', string, Kind]),
  ];
  if (checks.length === 0) return undefined;
  return async (request) => {
    for (const [where, name, kind] of checks) {
      const raw = (request[where] as Record<string, unknown> | undefined)?.[name];
      for (const value of Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) {
        if (typeof value !== 'string') continue;
        if (!(kind === 'integer' ? INTEGER : DECIMAL).test(value)) {
          const what = kind === 'integer' ? 'a whole number of at most 15 digits' : 'a decimal number of at most 15 digits';
          throw new ApiError(400, 'invalid_request', `${where === 'query' ? 'query' : 'path'} parameter "${name}" must be ${what} (got ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`);
        }
      }
    }
  };
}
