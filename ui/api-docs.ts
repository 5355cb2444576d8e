/**
 * Starts Swagger UI (swagger-ui-dist, served from the station itself) on the
 * station's OpenAPI document, sending the console's credential with every
 * request it makes, the document's own included.
 */
import { CREDENTIAL_KEY } from "./credential.ts";

interface SwaggerRequest {
  headers: Record<string, string>;
}
declare const SwaggerUIBundle: (options: Record<string, unknown>) => unknown;

const credential = sessionStorage.getItem(CREDENTIAL_KEY);
SwaggerUIBundle({
  url: new URL("../../openapi/json", location.href).href,
  dom_id: "#swagger",
  deepLinking: false,
  // Swagger UI would fetch a validator badge from a foreign site: the CSP forbids it anyway.
  validatorUrl: null,
  requestInterceptor: (request: SwaggerRequest) => {
    if (credential) request.headers.Authorization = `Bearer ${credential}`;
    return request;
  },
});
