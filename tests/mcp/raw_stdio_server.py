"""A hand-written MCP server over stdio that misbehaves on purpose: ``python raw_stdio_server.py MODE``.

It speaks just enough JSON-RPC for a client to connect the handshake-era way (``server/discover`` is
refused, ``initialize`` accepted), without the SDK, so it can send what the SDK's own server refuses to:

* ``garbage-listing``: ``tools/list`` answers a result that is not a tool list;
* ``not-json``: ``tools/list`` is answered with a line that is not JSON;
* ``silent``: never answers anything (the client must give up, not hang);
* ``scalar-schema``: lists a tool whose ``inputSchema`` root is a string, next to a good one;
* ``bad-result``: ``tools/call`` answers a result whose ``content`` is not a list;
* ``exit-on-call``: ``tools/call`` ends the process without answering.
"""

from __future__ import annotations

import json
import sys

MODE = sys.argv[1] if len(sys.argv) > 1 else "scalar-schema"
GOOD_TOOL = {"name": "echo", "description": "Echo.", "inputSchema": {"type": "object", "properties": {}}}


def send(message: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def answer(request_id: object, method: str, params: dict[str, object]) -> None:
    if method == "initialize":
        version = params.get("protocolVersion", "2025-06-18")
        send(
            {
                "jsonrpc": "2.0",
                "id": request_id,
                "result": {
                    "protocolVersion": version,
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "raw", "version": "0"},
                },
            }
        )
    elif method == "tools/list":
        if MODE == "not-json":
            sys.stdout.write("this is not JSON\n")
            sys.stdout.flush()
        elif MODE == "garbage-listing":
            send({"jsonrpc": "2.0", "id": request_id, "result": {"tools": [{"name": 42}]}})
        else:
            tools = [GOOD_TOOL]
            if MODE == "scalar-schema":
                tools.append({"name": "scalar", "inputSchema": {"type": "string"}})
            send({"jsonrpc": "2.0", "id": request_id, "result": {"tools": tools}})
    elif method == "tools/call":
        if MODE == "exit-on-call":
            sys.exit(0)
        if MODE == "bad-result":
            send({"jsonrpc": "2.0", "id": request_id, "result": {"content": "not a list"}})
        else:
            content = [{"type": "text", "text": "echoed"}]
            send({"jsonrpc": "2.0", "id": request_id, "result": {"content": content}})
    else:  # server/discover and anything else: "method not found" sends the client to initialize
        send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": f"no {method}"}})


def main() -> None:
    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message or MODE == "silent":
            continue  # notifications need no answer; a silent server answers nothing
        answer(message["id"], message.get("method", ""), message.get("params") or {})


if __name__ == "__main__":
    main()
