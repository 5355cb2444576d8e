"""The official Python SDK (mcp 2.x) client against a station MCP endpoint.

Usage: python mcp2_client.py URL MODE   (MODE: auto | legacy)
Lists tools, calls `progress` with a progress callback, `log` with a logging
callback, then `ask_sampling` and `ask_elicitation` (answered by the
callbacks below). Prints one JSON line per step, for the test to read.
"""
import json
import sys

import anyio
import mcp_types as types
from mcp.client.client import Client


async def sampling(context, params):
    return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text="hello from python"), model="fake")


async def elicitation(context, params):
    return types.ElicitResult(action="accept", content={"name": "Ada"})


async def main(url: str, mode: str) -> None:
    logs = []
    progress = []

    async def on_log(params):
        logs.append(params.data)

    async def on_progress(value, total, message):
        progress.append(value)

    async with Client(url, mode=mode, sampling_callback=sampling, elicitation_callback=elicitation, logging_callback=on_log, log_level="info") as client:
        out = lambda step, value: print(json.dumps({"step": step, "value": value}), flush=True)
        out("version", client.session.protocol_version if hasattr(client.session, "protocol_version") else None)
        tools = await client.list_tools()
        out("tools", [tool.name for tool in tools.tools])
        result = await client.call_tool("progress", {"steps": 3}, progress_callback=on_progress)
        out("progress", {"text": result.content[0].text, "progress": progress})
        result = await client.call_tool("log", {"text": "hi log"})
        out("log", {"text": result.content[0].text, "logs": logs})
        result = await client.call_tool("ask_sampling", {})
        out("sampling", result.content[0].text)
        result = await client.call_tool("ask_elicitation", {})
        out("elicitation", result.content[0].text)


anyio.run(main, sys.argv[1], sys.argv[2])
