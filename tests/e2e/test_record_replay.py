"""Record/replay for users' tests with vcrpy (and pytest-recording), no cassette format of our own.

vcrpy (tested with 9.4) patches httpx2's transports -- the ones our clients use by default -- so a cassette
records what our client really sent and received. Each test records against the emulator on loopback (a
real HTTP server on 127.0.0.1), *stops the server*, replays with ``record_mode="none"`` (a request not in
the cassette is an error, never a network call) and asserts the replayed responses equal the recorded
ones -- on both wires, streamed and not, sync and async, through a Chat tool loop -- and that the
cassette never contains the API key.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pytest

vcr = pytest.importorskip("vcr")

from pydantic import Field  # noqa: E402

from chat_openrouter import ChatBuilder, ChatOptions, OpenRouterBuilder, messages, tool  # noqa: E402
from chat_openrouter.testing.emulator import Emulator  # noqa: E402
from engine._harness import event_summary, response_summary  # noqa: E402

#: A key shaped like a real one, so a leak would be found whatever part of it a filter missed.
CANARY_KEY = "sk-or-v1-" + "c4n4ry" * 10
WIRES = ["responses", "completions"]


@tool
def get_weather(city: Annotated[str, Field(examples=["Paris"])]) -> dict[str, Any]:
    """Current weather for a city."""
    return {"city": city, "temp_c": 21}


def recorder() -> Any:
    """The vcrpy configuration we recommend (docs/testing-with-the-emulator.md, "Record and replay")."""
    return vcr.VCR(
        filter_headers=["authorization", "cookie", "set-cookie"],
        match_on=["method", "scheme", "host", "port", "path", "query", "body"],
    )


def exercise(base_url: str, wire: str) -> dict[str, Any]:
    """Everything a user's test might do, summarised into plain values to compare."""
    builder = (
        OpenRouterBuilder().with_model("emulator/tools").with_api_key(CANARY_KEY).with_base_url(base_url)
    )
    client = (builder.with_completions() if wire == "completions" else builder).build()
    chat = ChatBuilder().with_model(client).with_tools([get_weather]).build()
    result: dict[str, Any] = {}
    plain = client.complete_sync(messages.from_user("Say hello."))
    result["complete_sync"] = (response_summary(plain), plain.id, plain.model, plain.usage.cost)
    with client.stream_sync(messages.from_user("Stream hello.")) as stream:
        result["stream_sync"] = [event_summary(e) for e in stream]
    result["chat_sync"] = response_summary(chat.complete_sync("Weather in Paris?"))

    async def run_async() -> None:
        async with client:
            answer = await client.complete(messages.from_user("Say hello, async."))
            result["complete_async"] = (response_summary(answer), answer.id)
            async with chat.stream("Weather in Paris, streamed?") as run:
                result["chat_stream_async"] = [event_summary(e) async for e in run]

    asyncio.run(run_async())
    client.close()
    return result


def record_then_replay(tmp_path: Path, scenario: Callable[[str], Any]) -> tuple[Any, Any, Path]:
    cassette = tmp_path / "cassette.yaml"
    with Emulator().loopback() as server:
        base_url = server.base_url
        with recorder().use_cassette(str(cassette), record_mode="once"):
            recorded = scenario(base_url)
    # The server is gone: anything not answered from the cassette would fail.
    with recorder().use_cassette(str(cassette), record_mode="none") as played:
        replayed = scenario(base_url)
        assert played.all_played  # every recorded interaction was used: nothing silently skipped
    return recorded, replayed, cassette


@pytest.mark.parametrize("wire", WIRES)
def test_vcrpy_records_and_replays_both_wires_streams_included(tmp_path: Path, wire: str) -> None:
    recorded, replayed, cassette = record_then_replay(tmp_path, lambda url: exercise(url, wire))
    assert replayed == recorded
    # What was recorded is meaningful: a tool round trip, and real streams.
    assert recorded["chat_sync"]["text"] == 'Based on get_weather: {"city": "Paris", "temp_c": 21}'
    assert any(event[0] == "tool_result" for event in recorded["chat_stream_async"])
    text = cassette.read_text()
    assert ("data: [DONE]" if wire == "completions" else "response.completed") in text
    assert CANARY_KEY not in text and CANARY_KEY[:24] not in text
    assert "authorization" not in text.lower()


def test_an_error_and_its_retry_replay_as_recorded(tmp_path: Path) -> None:
    # The emulator answers 429 (Retry-After) to the first attempt; the retry layer tries again and gets
    # the answer. Both attempts are recorded and replayed in order.
    options = ChatOptions(extra_headers={"X-Emulator-Fault": "rate-limit"})

    def scenario(base_url: str) -> Any:
        client = (
            OpenRouterBuilder()
            .with_model("emulator/echo")
            .with_api_key(CANARY_KEY)
            .with_base_url(base_url)
            .build()
        )
        with client:
            return response_summary(client.complete_sync(messages.from_user("hello"), options=options))

    recorded, replayed, cassette = record_then_replay(tmp_path, scenario)
    assert replayed == recorded and recorded["text"] == "hello"
    statuses = [
        i["response"]["status"]["code"]
        for i in vcr.serializers.yamlserializer.deserialize(cassette.read_text())["interactions"]
    ]
    assert statuses == [429, 200]


def test_a_request_missing_from_the_cassette_fails_instead_of_reaching_the_network(tmp_path: Path) -> None:
    cassette = tmp_path / "cassette.yaml"
    emulator = Emulator()
    with emulator.loopback() as server:
        client = (
            OpenRouterBuilder()
            .with_model("emulator/echo")
            .with_api_key(CANARY_KEY)
            .with_base_url(server.base_url)
            .with_retries(0)
            .build()
        )
        with recorder().use_cassette(str(cassette), record_mode="once"):
            client.complete_sync(messages.from_user("recorded"))
        with (
            recorder().use_cassette(str(cassette), record_mode="none"),
            pytest.raises(
                vcr.errors.CannotOverwriteExistingCassetteException, match="no recorded interaction matches"
            ),
        ):
            client.complete_sync(messages.from_user("never recorded"))  # the server still runs: not used
        client.close()
    assert len(emulator.requests) == 1


# -- pytest-recording: the docs' example, run as a user's test suite ---------------------------------------------
DOCS = Path(__file__).resolve().parents[2] / "docs" / "testing-with-the-emulator.md"


def docs_example() -> str:
    """The pytest-recording example of the docs, pointed at the emulator instead of openrouter.ai."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)
    (example,) = [b for b in blocks if "@pytest.mark.vcr" in b]
    assert example.count("OpenRouterBuilder()") == 1
    return "import os\n" + example.replace(
        "OpenRouterBuilder()", 'OpenRouterBuilder().with_base_url(os.environ["EMULATOR_URL"])'
    )


def test_pytest_recording_records_then_replays_the_docs_example(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_agent.py").write_text(docs_example())

    def run_pytest(url: str, *options: str) -> subprocess.CompletedProcess[str]:
        env = {"PATH": "", "OPENROUTER_API_KEY": CANARY_KEY, "EMULATOR_URL": url}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]
        return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)

    # The docs' model id, served by the emulator's tool-calling model.
    emulator = Emulator(aliases={"openai/gpt-4o-mini": "emulator/tools"})
    with emulator.loopback() as server:
        url = server.base_url
        recording = run_pytest(url, "--record-mode=once")
    assert recording.returncode == 0, recording.stdout + recording.stderr
    assert len(emulator.requests) == 2  # the tool call, then the answer
    (cassette,) = (project / "cassettes" / "test_agent").glob("*.yaml")
    recorded = cassette.read_text()
    assert CANARY_KEY not in recorded and "authorization" not in recorded.lower()

    replaying = run_pytest(url)  # pytest-recording's default mode replays only; the server is stopped
    assert replaying.returncode == 0, replaying.stdout + replaying.stderr
    assert cassette.read_text() == recorded
