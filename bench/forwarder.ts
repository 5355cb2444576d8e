/**
 * Reference (2): the smallest honest HTTP-to-stdio forwarder on Bun.serve.
 * One server process per "session" (index given as session_id), one pending
 * map each, no validation, no limits, no logging: what any HTTP front costs
 * at least. Takes the station's request shape so the same load drives both.
 *
 *   bun bench/forwarder.ts <sessions> -- node bench/servers/echo.mjs
 *   -> prints "listening <port>" on stdout, then serves POST /mcp/request
 *      {"session_id":"0","method":"tools/call","params":{...}} -> {"success":true,"data":result}
 */
import { StdioClient } from "./lib/stdio-client.ts";

const dash = process.argv.indexOf("--");
const sessions = Number(process.argv[2] ?? "1");
const argv = process.argv.slice(dash + 1);
const clients = await Promise.all(
  Array.from({ length: sessions }, async () => {
    const client = StdioClient.spawn(argv);
    await client.initialize();
    return client;
  }),
);

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const body = (await req.json()) as { session_id: string; method: string; params?: unknown };
    const client = clients[Number(body.session_id)] ?? clients[0]!;
    const res = await client.request(body.method, body.params);
    return Response.json(res.error ? { success: false, error: res.error } : { success: true, data: res.result });
  },
});

const stop = async () => {
  await Promise.all(clients.map((c) => c.close()));
  server.stop(true);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
console.log(`listening ${server.port}`);
