"""``ChatBuilder.with_mcp``: what it accepts, what it refuses (at once, with a ConfigurationError), what it hides."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from typing import Any

import pytest

pytest.importorskip("mcp.server.mcpserver")

from _mcp_servers import odd_server, weather_server
from mcp import StdioServerParameters

from chat_openrouter.core.chat import ChatBuilder
from chat_openrouter.core.mcp import MCPServerConfig
from chat_openrouter.errors import ConfigurationError
from chat_openrouter.testing import ScriptedProvider


def test_each_kind_of_server_is_recognised() -> None:
    assert MCPServerConfig.create("https://mcp.example.com/mcp").kind == "http"
    assert MCPServerConfig.create("HTTP://localhost:8000/mcp").kind == "http"
    stdio = MCPServerConfig.create("npx -y '@scope/server' /tmp")
    assert (stdio.kind, stdio.target) == ("stdio", ("npx", "-y", "@scope/server", "/tmp"))
    assert MCPServerConfig.create(["python", "server.py"]).target == ("python", "server.py")
    params = StdioServerParameters(command="python", args=["server.py"])
    assert MCPServerConfig.create(params).kind == "stdio"
    assert MCPServerConfig.create(weather_server()).kind == "in_process"
    assert MCPServerConfig.create(odd_server()).kind == "in_process"


@pytest.mark.parametrize(
    ("server", "kwargs", "message"),
    [
        ("", {}, "needs a URL"),
        ("   ", {}, "needs a URL"),
        ([], {}, "non-empty list of strings"),
        (["python", 3], {}, "non-empty list of strings"),
        ("python 'unbalanced", {}, "cannot split"),
        ("https:///no-host", {}, "has no host"),
        (42, {}, "got int"),
        (object(), {}, "got object"),
        ("https://x.example/mcp", {"prefix": "bad prefix"}, "prefix"),
        ("https://x.example/mcp", {"prefix": "p" * 33}, "prefix"),
        ("https://x.example/mcp", {"allow": [1, 2]}, "allow="),
        ("https://x.example/mcp", {"approval": "ask"}, "approval="),
        ("https://x.example/mcp", {"timeout": 0}, "timeout"),
        ("https://x.example/mcp", {"connect_timeout": -1}, "connect_timeout"),
        ("https://x.example/mcp", {"env": {"A": "1"}}, "env= applies"),
        ("python server.py", {"headers": {"A": "1"}}, "headers= applies"),
        ("https://x.example/mcp", {"headers": {"A": 1}}, "maps strings"),
    ],
)
def test_bad_arguments_fail_in_the_builder(server: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ChatBuilder().with_mcp(server, **kwargs)


def test_allow_as_one_string_means_one_name() -> None:
    assert MCPServerConfig.create("python s.py", allow="read").allow == frozenset({"read"})


def test_secrets_never_show_in_labels_or_reprs() -> None:
    config = MCPServerConfig.create(
        "https://user:pw-secret@mcp.example.com:8443/mcp?api_key=q-secret",
        headers={"Authorization": "Bearer h-secret"},
    )
    assert config.label == "https://mcp.example.com:8443/mcp"
    stdio = MCPServerConfig.create(["server", "--token", "argv-secret"], env={"TOKEN": "env-secret"})
    text = repr(config) + repr(stdio) + stdio.label
    for secret in ("pw-secret", "q-secret", "h-secret", "env-secret", "argv-secret"):
        assert secret not in text


def test_the_builder_is_immutable_and_each_build_owns_new_connections() -> None:
    base = ChatBuilder().with_model(ScriptedProvider([]))
    with_mcp = base.with_mcp(weather_server())
    assert base.build()._config.toolsets == ()
    first, second = with_mcp.build(), with_mcp.build()
    assert len(first._config.toolsets) == 1
    assert first._config.toolsets[0] is not second._config.toolsets[0]


def test_a_missing_sdk_is_a_configuration_error_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mcp" else real(name, *a)
    )
    with pytest.raises(ConfigurationError, match=r"chat-openrouter\[mcp\]"):
        ChatBuilder().with_mcp("python server.py")


def test_unused_mcp_support_costs_nothing_at_import_or_build() -> None:
    # Building and using a chat without with_mcp never imports the SDK, our adapter or the toolset module.
    code = (
        "import sys\n"
        "from chat_openrouter import ChatBuilder\n"
        "from chat_openrouter.testing import ScriptedProvider, reply\n"
        "chat = ChatBuilder().with_model(ScriptedProvider([reply('hi')])).build()\n"
        "assert chat.complete_sync('x').text == 'hi'\n"
        "with chat: pass\n"
        "loaded = [m for m in sys.modules if m == 'mcp' or m.startswith(('mcp.', 'anyio', 'chat_openrouter.core.mcp',"
        " 'chat_openrouter.core.toolset'))]\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
