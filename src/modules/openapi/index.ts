/**
 * GET /openapi/json: the OpenAPI document of every route, as
 * @elysiajs/openapi writes it, built on the first request rather than at
 * start. The plugin and the schema converter it bundles are imported then
 * too: a station nobody asks for its document never loads them (1.3 MB of
 * idle RSS, bench/ab.ts). No UI: the plugin's UIs load scripts from a CDN,
 * which an offline container cannot reach.
 *
 * @example
 *   app.use(openapiModule(() => app, { info: { title: "MCP Station", version: "1.0.0" } }))
 */
import { type AnyElysia, Elysia } from "elysia";

/** The document's own fields (info, tags, components, security), as @elysiajs/openapi's `documentation` option takes them. */
export interface Documentation {
  info: { title: string; description: string; version: string };
  tags?: { name: string; description?: string }[];
  components?: { schemas?: Record<string, unknown>; [key: string]: unknown };
  paths?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The revision @elysiajs/openapi writes by default. */
const OPENAPI_VERSION = "3.1.2";

interface Parameter {
  name: string;
  in: string;
}
interface Operation {
  parameters?: Parameter[];
}

/**
 * The plugin drops a route's `detail.parameters` once it has generated any of its own (a path
 * parameter, say). Those written by hand are documented-only ones, such as a header a handler reads
 * without Elysia validating it on every request: put them back beside the generated ones.
 */
function keepDetailParameters(app: AnyElysia, paths: Record<string, Record<string, Operation>>): void {
  for (const route of app.routes) {
    const written = (route.hooks?.detail as { parameters?: Parameter[] } | undefined)?.parameters;
    if (!written?.length) continue;
    const operation = paths[route.path.replace(/:(\w+)/g, "{$1}")]?.[route.method.toLowerCase()];
    if (!operation) continue;
    const present = new Set((operation.parameters ?? []).map((p) => `${p.in}:${p.name}`));
    operation.parameters = [...(operation.parameters ?? []), ...written.filter((p) => !present.has(`${p.in}:${p.name}`))];
  }
}

export function openapiModule(root: () => AnyElysia, documentation: Documentation) {
  let document: Record<string, unknown> | undefined;
  let routes = 0;
  return new Elysia().get(
    "/openapi/json",
    async () => {
      const app = root();
      // Built again only when routes were added since: as the plugin caches it.
      if (document && routes === app.routes.length) return document;
      routes = app.routes.length;
      const { toOpenAPISchema } = await import("@elysiajs/openapi");
      const { paths, components } = toOpenAPISchema(app, undefined, undefined, undefined, OPENAPI_VERSION);
      keepDetailParameters(app, paths as Record<string, Record<string, Operation>>);
      // Assembled as the plugin assembles it, in its order, so the document reads as it did with the plugin.
      document = {
        ...documentation,
        openapi: OPENAPI_VERSION,
        paths: { ...paths, ...documentation.paths },
        components: { ...documentation.components, schemas: { ...components.schemas, ...documentation.components?.schemas } },
      };
      return document;
    },
    { detail: { hide: true } },
  );
}
