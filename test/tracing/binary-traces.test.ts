/**
 * The compiled binary traces too: the OpenTelemetry SDK, bundled by
 * `bun build --compile` with whitespace and syntax minified (build.ts), loads
 * its node platform code, reads the OTEL_* variables and exports protobuf
 * over OTLP/HTTP, as the station run from source does.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, fixture } from "../setup/paths.ts";
import { SPAN_KIND, startOtlpReceiver } from "../support/otlp-receiver.ts";
import { BUN, type StationProcess, json, spawnStation } from "../support/station-process.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-traced-bin-"));
const receiver = startOtlpReceiver();
let station: StationProcess | undefined;
afterAll(async () => {
  await station?.stop();
  receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the compiled binary exports the span tree of a tools/call, and the server receives its traceparent", async () => {
  const outfile = join(dir, "mcp-station");
  const build = Bun.spawnSync([BUN, "run", "build.ts", `--outfile=${outfile}`], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
  expect(build.exitCode).toBe(0);
  station = await spawnStation([outfile], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: "20" }, dir);
  expect(station.logs).toContainEqual(expect.objectContaining({ msg: "tracing on", endpoint: `${receiver.endpoint}/v1/traces` }));
  const created = await json(`${station.url}/sessions`, {
    method: "POST",
    json: { server_type: "node", server_command: fixture("trace-context-server.mjs") },
  });
  const trace = "5af7651916cd43dd8448eb211c80319c";
  const answer = await json(`${station.url}/mcp/request`, {
    method: "POST",
    headers: { traceparent: `00-${trace}-00000000000000b7-01` },
    json: { session_id: created.body.session_id, method: "tools/call", params: { name: "trace_context", arguments: {} } },
  });
  // The server span ends after the response is written, so it may reach the
  // receiver in a later batch than its child: wait for both.
  const spans = await receiver.waitForSpans((all) =>
    ["POST /mcp/request", "tools/call trace_context"].every((name) => all.some((span) => span.traceId === trace && span.name === name)),
  );
  const http = spans.find((span) => span.traceId === trace && span.name === "POST /mcp/request")!;
  const trip = spans.find((span) => span.traceId === trace && span.name === "tools/call trace_context")!;
  expect(http.parentSpanId).toBe("00000000000000b7");
  expect(trip.parentSpanId).toBe(http.spanId);
  expect(trip.kind).toBe(SPAN_KIND.client);
  expect(receiver.requests.every((request) => request.contentType === "application/x-protobuf")).toBe(true);
  expect(answer.body.data.structuredContent.traceparent).toBe(`00-${trace}-${trip.spanId}-01`);
  expect(await station.stop("SIGTERM")).toBe(0);
  station = undefined;
});
