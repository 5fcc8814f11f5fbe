/**
 * The admin API's request validators and response checks, compiled on a route's first use instead of
 * at start-up. Compiling every route's schemas with Ajv was most of a cold start's CPU (about 2.4 s of
 * 2.0 s-CPU boots under load, profiled with bench/cold-start.bench.ts --cpu-prof), and a webhook
 * server must accept its first event long before anyone opens the console.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsImport as unknown as { default?: typeof addFormatsImport }).default ?? addFormatsImport) as unknown as (ajv: Ajv) => Ajv;

/** An Ajv validator whose compile waits for its first call; `errors` mirrors the compiled one's. */
type LazyValidate = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => boolean) & { errors?: ErrorObject[] | null; schemaEnv?: unknown };

function lazyValidator(ajv: Ajv, schema: object): LazyValidate {
  let compiled: ValidateFunction | undefined;
  const validate: LazyValidate = (data, context) => {
    compiled ??= ajv.compile(schema);
    const ok = context ? compiled(data, context) : compiled(data);
    validate.errors = compiled.errors;
    return ok;
  };
  // Fastify hands a validator the request as the root value's parent only when it carries schemaEnv,
  // as a compiled Ajv function does; without it a coerced root (a bare 0 for a string body) is
  // checked as coerced but handed to the route unchanged.
  validate.schemaEnv = true;
  return validate;
}

/**
 * Request validation as Fastify does it by default (@fastify/ajv-compiler's options: type coercion
 * of query strings, defaults applied, unknown body properties removed, first error only), compiled lazily.
 */
export function lazyRequestValidators(): FastifySchemaCompiler<unknown> {
  const ajv = addFormats(new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, addUsedSchema: false, allErrors: false }));
  return ({ schema }) => lazyValidator(ajv, schema as object);
}

/**
 * Responses are validated, not just serialised: a field missing from a schema (a secret, a hash)
 * fails loudly instead of leaking or vanishing.
 */
export function lazyResponseChecks(): FastifySerializerCompiler<unknown> {
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  return ({ schema, method, url, httpStatus }) => {
    const validate = lazyValidator(ajv, schema as object);
    return (data: unknown) => {
      if (!validate(data)) throw new Error(`response of ${method} ${url} (${httpStatus}) does not match its schema: ${ajv.errorsText(validate.errors)}`);
      return JSON.stringify(data);
    };
  };
}
