"""The benchmark's echo server on the official Python SDK 1.x (FastMCP), stdio transport.

One tool, echo(text) -> text. Runs with the peers' venv (bench/.peers/venv, mcp 1.x: mcpo needs mcp<2),
so every gateway in bench/peers.ts starts the same interpreter and the same file.
"""

from mcp.server.fastmcp import FastMCP

server = FastMCP("bench-fastmcp-echo")


@server.tool()
def echo(text: str) -> str:
    """Echo the given text back."""
    return text


if __name__ == "__main__":
    server.run("stdio")
