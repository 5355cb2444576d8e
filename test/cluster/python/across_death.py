"""The official Python SDK (mcp 2.x) client across the death of the node that runs its session.

Usage: python across_death.py URL MODE   (MODE: auto | legacy)
Calls the session-lock fixture's `token` tool and prints it, then waits for a line on stdin (the test kills
the owner meanwhile), then calls `token` until it answers again (10 s at most): in legacy mode a failure that
says the MCP session is gone (404) is answered by connecting again, as the specification asks. Prints one
JSON line per step: before, failures (how many calls failed, and whether it reconnected), after.
"""
import json
import sys
import time

import anyio
from mcp.client.client import Client


def out(step, value):
    print(json.dumps({"step": step, "value": value}), flush=True)


async def call(client):
    result = await client.call_tool("token", {})
    return result.content[0].text


async def main(url: str, mode: str) -> None:
    reconnects = 0
    failures = []
    client_cm = Client(url, mode=mode)
    client = await client_cm.__aenter__()
    try:
        out("before", await call(client))
        await anyio.to_thread.run_sync(sys.stdin.readline)
        deadline = time.monotonic() + 10
        while True:
            try:
                out("after", await call(client))
                break
            except Exception as error:  # the SDK raises its own error types per transport failure
                failures.append(f"{type(error).__name__}: {str(error)[:120]}")
                if time.monotonic() > deadline:
                    raise
                if "404" in str(error) or "not found" in str(error).lower() or "terminated" in str(error).lower():
                    await client_cm.__aexit__(None, None, None)
                    client_cm = Client(url, mode=mode)
                    client = await client_cm.__aenter__()
                    reconnects += 1
                else:
                    await anyio.sleep(0.1)
        out("failures", {"count": len(failures), "reconnects": reconnects, "first": failures[:3]})
    finally:
        await client_cm.__aexit__(None, None, None)


anyio.run(main, sys.argv[1], sys.argv[2])
