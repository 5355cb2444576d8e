/** GET / names the station and points only at paths that answer. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation;
beforeAll(async () => {
  station = await startStation();
});
afterAll(() => station.stop());

test("GET / names the station, and the OpenAPI path it gives is served", async () => {
  const about = await station.call("GET", "/");
  expect(about.status).toBe(200);
  expect(about.body).toMatchObject({ name: "mcp-station", openapi: "/openapi/json" });
  for (const value of Object.values(about.body as Record<string, string>)) {
    if (!value.startsWith("/")) continue;
    const res = await fetch(`${station.url}${value}`);
    expect(res.status).toBe(200);
  }
});
