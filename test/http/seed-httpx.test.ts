/**
 * The seed's own backend snippet (httpx, async) run verbatim by a real Python
 * client, with only the host name and the script path changed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { PYTHON_MCP1, fixture } from "../setup/paths.ts";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation;
beforeAll(async () => {
  station = await startStation({ MCP_STATION_PYTHON: PYTHON_MCP1 });
});
afterAll(() => station.stop());

const SEED_SNIPPET = `
import asyncio, json, sys
import httpx

async def main():
    # 세션 생성
    async with httpx.AsyncClient() as client:
        response = await client.post(
            "http://mcp_station:20100/sessions",
            json={
                "server_type": "python",
                "server_command": "/app/my_mcp_server.py"
            }
        )
        session_info = response.json()
        session_id = session_info["session_id"]

        # MCP 요청
        response = await client.post(
            "http://mcp_station:20100/mcp/request",
            json={
                "session_id": session_id,
                "method": "tools/list",
                "params": {}
            }
        )
        result = response.json()
        print(json.dumps({"session": session_info, "result": result}))

asyncio.run(main())
`;

test("the seed's httpx example works verbatim", async () => {
  const script = SEED_SNIPPET.replaceAll("http://mcp_station:20100", station.url).replace(
    "/app/my_mcp_server.py",
    fixture("python/mcp1_server.py"),
  );
  // httpx comes with the mcp 1.x SDK in the fixtures' venv.
  const proc = Bun.spawn([PYTHON_MCP1, "-c", script], { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(err).toBe("");
  expect(code).toBe(0);
  const { session, result } = JSON.parse(out);
  expect(session).toMatchObject({ server_type: "python", status: "running" });
  expect(result.success).toBe(true);
  expect(result.data.tools.map((t: { name: string }) => t.name)).toContain("echo");
  await station.call("DELETE", `/sessions/${session.session_id}`);
});
