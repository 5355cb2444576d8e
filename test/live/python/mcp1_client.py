"""The official Python SDK (mcp 1.x) Streamable HTTP client against a station MCP endpoint (legacy era).

Usage: python mcp1_client.py URL
Lists tools, calls `progress` with a progress callback, `log` with a logging
callback, then `ask_sampling` and `ask_elicitation` (answered by the
callbacks below). Prints one JSON line per step, for the test to read.
"""
import json
import sys

import anyio
from mcp import ClientSession, types
from mcp.client.streamable_http import streamablehttp_client


async def sampling(context, params):
    return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text="hello from python"), model="fake")


async def elicitation(context, params):
    return types.ElicitResult(action="accept", content={"name": "Ada"})


async def main(url: str) -> None:
    logs = []
    progress = []

    async def on_log(params):
        logs.append(params.data)

    async def on_progress(value, total, message):
        progress.append(value)

    out = lambda step, value: print(json.dumps({"step": step, "value": value}), flush=True)
    async with streamablehttp_client(url) as (read, write, get_session_id):
        async with ClientSession(read, write, sampling_callback=sampling, elicitation_callback=elicitation, logging_callback=on_log) as session:
            init = await session.initialize()
            out("version", init.protocolVersion)
            tools = await session.list_tools()
            out("tools", [tool.name for tool in tools.tools])
            result = await session.call_tool("progress", {"steps": 3}, progress_callback=on_progress)
            out("progress", {"text": result.content[0].text, "progress": progress})
            result = await session.call_tool("log", {"text": "hi log"})
            out("log", {"text": result.content[0].text, "logs": logs})
            result = await session.call_tool("ask_sampling", {})
            out("sampling", result.content[0].text)
            result = await session.call_tool("ask_elicitation", {})
            out("elicitation", result.content[0].text)


anyio.run(main, sys.argv[1])
