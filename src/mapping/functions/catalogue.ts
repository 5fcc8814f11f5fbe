/**
 * The domain function library as the console's mapping editor offers it: each function's parameters
 * after the value it works on, in words. A test holds this list to LIBRARY, so a new function cannot be
 * left out of the editor.
 */

/** One parameter after the first (the value the function transforms). */
export interface FunctionParam {
  name: string;
  /** What to give, with the default when left empty. */
  help: string;
}

/** One library function for the editor: `$name(<source field>, ...params)`. */
export interface FunctionInfo {
  name: string;
  /** One line on what it returns. */
  summary: string;
  params: FunctionParam[];
}

/** Every library function by name, in the order the editor lists them. */
export const FUNCTION_CATALOGUE: readonly FunctionInfo[] = [
  { name: 'emailNormalize', summary: 'The address trimmed and lower-cased; null when it is not an e-mail address', params: [] },
  { name: 'emailValid', summary: 'true when the value is an e-mail address', params: [] },
  { name: 'phoneE164', summary: 'The phone number in E.164 (+14155550123); null when not a valid number', params: [{ name: 'defaultCountry', help: 'ISO-2 country for numbers without a code (default US)' }] },
  { name: 'splitName', summary: 'A full name split into first, middle and last parts', params: [] },
  { name: 'joinName', summary: 'Name parts joined with single spaces, empty parts left out', params: [{ name: 'more', help: 'further parts (source fields or text)' }] },
  { name: 'stateCode', summary: 'The state or province as its postal code (California → CA)', params: [{ name: 'country', help: 'the country, ISO-2 or name (default US)' }] },
  { name: 'countryIso2', summary: 'The country as its ISO 3166 two-letter code', params: [] },
  { name: 'countryName', summary: 'The country as its English name', params: [] },
  { name: 'sageCountry', summary: "The country as Sage 100's three-letter code (USA)", params: [] },
  { name: 'sfDateTime', summary: 'A date-time as Salesforce writes it (UTC, milliseconds)', params: [] },
  { name: 'pardotDateTime', summary: 'A date-time as Account Engagement writes it', params: [] },
  { name: 'isoDate', summary: 'A date as YYYY-MM-DD', params: [] },
  { name: 'isoDateTime', summary: 'A date-time in ISO 8601 with offset', params: [] },
  { name: 'sage100Date', summary: 'A date as Sage 100 stores it (YYYYMMDD)', params: [] },
  { name: 'sage100Time', summary: 'A time as Sage 100 stores it (decimal hours)', params: [] },
  { name: 'fromSage100', summary: 'A Sage 100 date (and decimal-hours time) as ISO 8601', params: [{ name: 'decimalHours', help: 'the time field, decimal hours (optional)' }] },
  { name: 'sageX3Date', summary: 'A date as Sage X3 writes it', params: [] },
  { name: 'x3Menu', summary: 'The label of a Sage X3 local-menu number', params: [{ name: 'menu', help: 'the local menu number (e.g. 1)' }] },
  { name: 'x3MenuCode', summary: 'The Sage X3 local-menu number of a label', params: [{ name: 'menu', help: 'the local menu number (e.g. 1)' }] },
  { name: 'x3YesNo', summary: 'A Sage X3 yes/no menu value as true or false', params: [] },
  { name: 'money', summary: 'An amount as a decimal string rounded half-even', params: [{ name: 'scale', help: 'digits after the point (default 2)' }] },
  { name: 'sumOf', summary: 'The sum of a list (of a field of each element)', params: [{ name: 'field', help: 'the field of each element to add' }, { name: 'scale', help: 'digits after the point (default 2)' }] },
  { name: 'countOf', summary: 'How many elements a list has (with the field set)', params: [{ name: 'field', help: 'count only elements with this field' }] },
  { name: 'maxDate', summary: 'The latest date in a list (of a field of each element)', params: [{ name: 'field', help: 'the date field of each element' }] },
  { name: 'rtrim', summary: 'The text without trailing spaces', params: [] },
  { name: 'truncate', summary: 'The text cut to at most this many characters', params: [{ name: 'max', help: 'the largest length, e.g. 30' }] },
  { name: 'notYet', summary: 'Fails the record for now with this message: what it needs is not there yet, so it is retried (error policy), then dead-lettered', params: [] },
];
