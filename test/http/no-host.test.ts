/**
 * An HTTP/1.0 request without a Host header, as HAProxy's default health
 * check sends it: Bun hands the app a URL that is only a path. It gets a
 * clear 400, never a 500 (it did, found by test/deploy/balancer.test.ts),
 * on the open /healthz and behind the gate, with and without credentials.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { type TestStation, startStation } from "../support/station.ts";

/** One raw HTTP exchange: the status line's code and the body. */
function raw(url: string, request: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let out = "";
    const socket = connect(Number(port), hostname, () => socket.write(request));
    socket.on("data", (chunk) => {
      out += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const [head, body = ""] = out.split("\r\n\r\n");
      resolve({ status: Number(head.split(" ")[1]), body });
    });
  });
}

for (const env of [{}, { MCP_STATION_API_KEYS: "no-host-test-key-0123456789" }] as Record<string, string>[]) {
  describe(`HTTP/1.0 without Host (${Object.keys(env).length ? "API keys" : "protected mode"})`, () => {
    let station: TestStation;
    beforeAll(async () => {
      station = await startStation(env);
    });
    afterAll(() => station.stop());

    test("400 naming the missing header, on every path", async () => {
      for (const path of ["/healthz", "/readyz", "/sessions", "/no-such-route"]) {
        const res = await raw(station.url, `GET ${path} HTTP/1.0\r\n\r\n`);
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body).error.message).toContain("no Host header");
      }
    });

    test("with a Host header, HTTP/1.0 is served", async () => {
      const res = await raw(station.url, "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n");
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ status: "ok" });
    });
  });
}
