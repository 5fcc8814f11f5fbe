/** JSON values as they cross the store and the wire. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
/** A record's fields as read from or written to a system. Values are JSON-ish but may hold Dates or decimals before serialisation. */
export type Fields = Record<string, unknown>;
