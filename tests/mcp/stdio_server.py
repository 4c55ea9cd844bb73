"""A tiny MCP server over stdio, run by the tests as ``[sys.executable, this file]``.

Its tools are the same as the in-process server's (``_mcp_servers.weather_server``), so a test can be run
against either transport and expect the same answers; ``die`` ends the process mid-call, ``pid`` lets a
test check that closing the chat ended the process.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _mcp_servers import weather_server

if __name__ == "__main__":
    weather_server("stdio-weather", stdio=True).run("stdio")
