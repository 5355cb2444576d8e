"""The capacity bench's server (bench/capacity.ts): a legacy-era MCP echo server on the Python
standard library alone.

Why it exists: the bench holds a thousand of these at once, so each must be as small as a real
Python server can be. An SDK server (mcp, pydantic, anyio) takes 40-60 MB a process and a Node
one about 40 MB, which would measure the machine's memory rather than the station; this one
takes about 9 MB (the interpreter and the json module), and needs no venv, so any host with a
python3 runs it.

    initialize               -> {protocolVersion, capabilities: {tools: {}}, serverInfo}
    ping                     -> {}
    tools/list               -> [echo]
    tools/call echo {message} -> {content: [{type: "text", text: message}]}
    anything else            -> -32601 (server/discover included: the station finds it legacy)

Notifications are ignored. Exits 0 when stdin closes.
"""

import json
import sys

VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")


def result_of(method, params):
    if method == "initialize":
        asked = params.get("protocolVersion")
        return {
            "protocolVersion": asked if asked in VERSIONS else VERSIONS[-1],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "bench-echo-py", "version": "1.0.0"},
        }
    if method == "ping":
        return {}
    if method == "tools/list":
        return {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
    if method == "tools/call" and params.get("name") == "echo":
        message = str((params.get("arguments") or {}).get("message", ""))
        return {"content": [{"type": "text", "text": message}]}
    return None


def main():
    out = sys.stdout
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict) or message.get("id") is None:
            continue
        result = result_of(message.get("method"), message.get("params") or {})
        reply = {"jsonrpc": "2.0", "id": message["id"]}
        if result is None:
            reply["error"] = {"code": -32601, "message": "Method not found"}
        else:
            reply["result"] = result
        out.write(json.dumps(reply, separators=(",", ":")) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
