/**
 * Reference (2b): the minimal forwarder of forwarder.ts on Elysia, as the station uses it: the
 * station's own body model for POST /mcp/request (validated, normalize off), two onRequest hooks
 * and an onAfterResponse hook that do nothing but what any hook costs (a request id header and a
 * WeakMap entry), and the answer returned as an object for Elysia to map. No auth, no limits, no
 * log line, no metrics, no sessions: what the framework costs the station before any of its work.
 *
 *   bun bench/elysia-forwarder.ts -- node bench/servers/echo.mjs
 *   -> prints "listening <port>" on stdout, then serves POST /mcp/request like forwarder.ts
 */
import { Elysia } from "elysia";
import { McpRequestBody } from "../src/modules/mcp-request/model.ts";
import { StdioClient } from "./lib/stdio-client.ts";

// Bun keeps or drops a "--" right after the script depending on how it was started: accept both.
const argv = process.argv.slice(2);
const client = StdioClient.spawn(argv[0] === "--" ? argv.slice(1) : argv);
await client.initialize();

const started = new WeakMap<Request, number>();
let sequence = 0;
const app = new Elysia({ normalize: false })
  .onRequest(({ request, set }) => {
    started.set(request, performance.now());
    set.headers["x-request-id"] = String(++sequence);
  })
  .onRequest(({ request }) => {
    request.headers.get("origin");
  })
  .onAfterResponse({ as: "global" }, (({ request }: { request: Request }) => {
    started.get(request);
  }) as (context: unknown) => void)
  .post(
    "/mcp/request",
    async ({ body }) => {
      const res = await client.request(body.method, body.params);
      return res.error ? { success: false, error: res.error } : { success: true, data: res.result };
    },
    { body: McpRequestBody },
  )
  .listen({ hostname: "127.0.0.1", port: 0 });

const stop = async () => {
  await client.close();
  await app.stop(true);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
console.log(`listening ${app.server?.port}`);
