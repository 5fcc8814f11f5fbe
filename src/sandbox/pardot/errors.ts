/**
 * Pardot v5 error envelope `{"code":<int>,"message":"..."}` with the coarse HTTP status the
 * documentation pairs with each code. Codes 66 and 122 have no documented v5 status; the emulator
 * answers them with 429 (see docs/connectors/pardot.md), clients must branch on `code`.
 */

/** A v5 error the emulator can raise from any handler. */
export class PardotApiError extends Error {
  constructor(
    readonly code: number,
    message?: string,
    readonly status: number = statusFor(code),
  ) {
    super(message ?? defaultMessage(code));
    this.name = 'PardotApiError';
  }

  /** The body as the API sends it. */
  toBody(): { code: number; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Default messages, worded as the vendor's recorded bodies where we have them. */
const MESSAGES: Record<number, string> = {
  13: 'One or more required parameters are missing',
  58: 'That prospect is already a member of that list',
  60: 'Invalid HTTP request method',
  66: 'You have exceeded your concurrent request limit. Please wait, before trying again',
  109: 'The requested record was not found.',
  122: 'Daily API rate limit met',
  130: 'Invalid fields',
  150: 'Invalid JSON in request body',
  151: 'Unsupported Content-Type',
  152: 'Request body is empty',
  153: 'A required property is missing',
  154: 'Invalid property value',
  155: 'Import must be in Open state',
  156: 'Import has no data',
  159: 'Invalid CSV',
  160: 'Batch limit per import reached',
  161: 'The import state does not allow this operation',
  180: 'A field is not writable in this operation',
  181: 'A required header is missing',
  182: 'Invalid header value',
  183: 'Internal error; please retry',
  184: 'access_token is invalid, unknown, or malformed',
  192: 'The object does not exist',
  201: 'Business Unit specified in Pardot-Business-Unit-Id header not found or inactive.',
  209: 'Too many fields are filtered; at most 3 distinct fields may be filtered',
  210: 'The nextPageToken has expired',
  211: 'Invalid nextPageToken',
  219: 'The record is deleted and cannot be updated; undelete it first',
  224: 'Invalid fields for the request type',
};

/** HTTP status paired with a code: 400 bad input, 401 auth, 403 business unit, 404 not found, 405 method. */
export function statusFor(code: number): number {
  switch (code) {
    case 184:
      return 401;
    case 201:
      return 403;
    case 109:
    case 192:
      return 404;
    case 60:
      return 405;
    case 66:
    case 122:
      return 429;
    case 183:
      return 500;
    default:
      return 400;
  }
}

/** The default message for a code. */
export function defaultMessage(code: number): string {
  return MESSAGES[code] ?? `Error ${code}`;
}
