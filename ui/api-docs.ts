/**
 * Starts Swagger UI (swagger-ui-dist, served from the station itself) on the
 * station's OpenAPI document, sending the console's credential with every
 * request it makes, the document's own included.
 */
import { CREDENTIAL_KEY } from "./credential.ts";

interface SwaggerRequest {
  url: string;
  headers: Record<string, string>;
}
declare const SwaggerUIBundle: (options: Record<string, unknown>) => unknown;

const credential = sessionStorage.getItem(CREDENTIAL_KEY);
/** The station's root as this page reached it: behind a proxy at a sub-path, not the host's root. */
const stationRoot = new URL("../../", location.href).href;
SwaggerUIBundle({
  url: new URL("openapi/json", stationRoot).href,
  dom_id: "#swagger",
  deepLinking: false,
  // Swagger UI would fetch a validator badge from a foreign site: the CSP forbids it anyway.
  validatorUrl: null,
  requestInterceptor: (request: SwaggerRequest) => {
    // "Try it out" addresses the host's root (the document names no server): keep it under the station's.
    if (request.url.startsWith(location.origin) && !request.url.startsWith(stationRoot)) {
      request.url = stationRoot + request.url.slice(location.origin.length + 1);
    }
    if (credential) request.headers.Authorization = `Bearer ${credential}`;
    return request;
  },
});
