/** The one settings declaration of a TIMS connection: typed settings, defaults, validation and the console's form. */
import { defineSettings, Type, type Static } from '../../core/settings-spec.js';

/** The settings spec of a TIMS connection. */
export const timsSettings = defineSettings(
  Type.Object({
    baseUrl: Type.String({ title: 'Bridge URL', format: 'uri', description: 'The TIMS bridge base URL including /api/v1 (e.g. https://tims-bridge.example.com/api/v1). The bridge implements docs/connectors/tims-contract.yaml.' }),
    apiKey: Type.String({ title: 'API key', minLength: 1, 'x-secret': true, description: 'The API key issued by the bridge, sent as a bearer token.' }),
    pageSize: Type.Integer({ title: 'Page size', default: 200, minimum: 1, maximum: 500, description: 'Records per page when polling.' }),
    settleSeconds: Type.Integer({ title: 'Read lag (s)', default: 0, minimum: 0, maximum: 3600, description: 'Leave records younger than this for the next poll, when the bridge reads a replica that lags TIMS.' }),
    timeoutMs: Type.Integer({ title: 'Request timeout (ms)', default: 30000, minimum: 1000, description: 'Per request; a timeout is retried.' }),
  }),
);

/** Typed TIMS settings, defaults applied. */
export type TimsSettings = Static<typeof timsSettings.schema>;
