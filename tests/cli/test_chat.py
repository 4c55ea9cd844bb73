"""``chat-openrouter chat`` end to end: a real subprocess against the in-process (--offline) or loopback emulator."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests._spec import assert_valid_request

from chat_openrouter.testing.emulator import EmulatorServer

from ._helpers import FOOTER, assert_clean, cli, online

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
WIRES = pytest.mark.parametrize("wire", [[], ["--completions"]], ids=["responses", "completions"])


def _last_body(server: EmulatorServer) -> dict[str, Any]:
    body: dict[str, Any] = server.app.requests[-1].body
    return body


def _spec_name(body: dict[str, Any]) -> str:
    return "ChatRequest" if "messages" in body else "ResponsesRequest"


# -- the prompt -----------------------------------------------------------------------------------------
@WIRES
def test_one_shot_offline_streams_the_answer_to_stdout(wire: list[str]) -> None:
    result = cli("chat", "--offline", *wire, "Hello", "there!")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello there!\n"
    footer = FOOTER.search(result.stderr)
    assert footer is not None
    assert footer["model"] == "emulator/echo"
    assert "$0.0000" in result.stderr
    assert "gen-" in result.stderr
    assert_clean(result.stderr)


def test_piped_stdin_alone_is_the_prompt() -> None:
    result = cli("chat", "--offline", stdin="piped prompt\nwith two lines\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "piped prompt\nwith two lines\n"


def test_a_prompt_and_piped_stdin_combine_prompt_first() -> None:
    # `cat notes.md | chat-openrouter chat "summarize"` used to send only "summarize".
    result = cli("chat", "--offline", "summarize", stdin="# Notes\n\nline one\nline two\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "summarize\n\n# Notes\n\nline one\nline two\n"


def test_stdin_that_is_not_utf8_does_not_crash() -> None:
    result = cli("chat", "--offline", "read", stdin=b"caf\xe9\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "read\n\ncaf\ufffd\n"


def test_empty_stdin_without_prompt_is_a_usage_error() -> None:
    result = cli("chat", "--offline", stdin="")
    assert result.returncode == 2
    assert "no prompt" in result.stderr


def test_no_stream_prints_the_whole_answer() -> None:
    result = cli("chat", "--offline", "--no-stream", "-m", "emulator/reasoning", "all at once")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "all at once\n"
    assert "thinking:" in result.stderr


def test_reasoning_goes_to_stderr_and_the_answer_to_stdout() -> None:
    result = cli("chat", "--offline", "-m", "emulator/reasoning", "-o", "reasoning_effort", "high", "think")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "think\n"
    assert "thinking: The user wrote “think”." in result.stderr
    assert "\x1b[" not in result.stderr  # no ANSI when stderr is not a terminal


@WIRES
def test_system_prompt_is_sent_first(server: EmulatorServer, wire: list[str]) -> None:
    result = online(server.base_url, "chat", *wire, "-m", "emulator/echo", "-s", "Be brief.", "hi")
    assert result.returncode == 0, result.stderr
    body = _last_body(server)
    turns = body.get("messages") or body["input"]
    assert turns[0]["role"] in ("system", "developer")
    assert "Be brief." in json.dumps(turns[0])
    assert_valid_request(body, _spec_name(body))


# -- -o options ---------------------------------------------------------------------------------------------
def test_options_reach_the_request_and_validate_against_the_spec(server: EmulatorServer) -> None:
    options = ["-o", "temperature", "0.3", "-o", "max-tokens", "50", "-o", "top_p", "0.9", "-o", "top_k", "5"]
    options += ["-o", "reasoning_effort", "low", "-o", "presence_penalty", "0.5"]
    result = online(server.base_url, "chat", "-m", "emulator/echo", *options, "hi")
    assert result.returncode == 0, result.stderr
    body = _last_body(server)
    assert body["temperature"] == 0.3
    assert body["max_output_tokens"] == 50
    assert body["top_p"] == 0.9
    assert body["top_k"] == 5
    assert body["presence_penalty"] == 0.5
    assert body["reasoning"] == {"effort": "low"}
    assert_valid_request(body, "ResponsesRequest")


def test_completions_only_options(server: EmulatorServer) -> None:
    options = ["-o", "seed", "7", "-o", "stop", "END", "-o", "stop", "STOP", "-o", "min_p", "0.1"]
    result = online(server.base_url, "chat", "--completions", "-m", "emulator/echo", *options, "hi")
    assert result.returncode == 0, result.stderr
    body = _last_body(server)
    assert (body["seed"], body["stop"], body["min_p"]) == (7, ["END", "STOP"], 0.1)
    assert_valid_request(body, "ChatRequest")


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["-o", "temprature", "1"], "-o temprature: unknown option; valid names: temperature, top_p"),
        (["-o", "temperature", "hot"], "-o temperature: expected a number, got 'hot'"),
        (["-o", "temperature", "nan"], "-o temperature: expected a finite number"),
        (["-o", "temperature", "3"], "-o temperature: must be between 0 and 2, got 3"),
        (["-o", "max_tokens", "1.5"], "-o max_tokens: expected an integer"),
        (["-o", "reasoning_effort", "hihg"], "expected one of none, minimal, low, medium, high"),
        (["-o", "seed", "1"], "-o seed: not available on the Responses API (the default); add --completions"),
        (["-o", "reasoning_exclude", "maybe"], "expected true or false"),
    ],
)
def test_bad_options_are_usage_errors_before_any_request(option: list[str], message: str) -> None:
    result = cli("chat", "--offline", *option, "hi")
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert_clean(result.stderr)


# -- attachments ------------------------------------------------------------------------------------------
@WIRES
def test_an_image_file_is_sent_inline(server: EmulatorServer, tmp_path: Path, wire: list[str]) -> None:
    (tmp_path / "cat.png").write_bytes(PNG)
    result = online(
        server.base_url, "chat", *wire, "-m", "emulator/echo", "-a", str(tmp_path / "cat.png"), "what?"
    )
    assert result.returncode == 0, result.stderr
    body = _last_body(server)
    assert f"data:image/png;base64,{base64.b64encode(PNG).decode()}" in json.dumps(body)
    assert_valid_request(body, _spec_name(body))


def test_the_media_type_is_sniffed_when_the_name_says_nothing(server: EmulatorServer, tmp_path: Path) -> None:
    (tmp_path / "scan").write_bytes(b"%PDF-1.7\n" + b"x" * 20)
    result = online(server.base_url, "chat", "-m", "emulator/echo", "-a", str(tmp_path / "scan"), "summarize")
    assert result.returncode == 0, result.stderr
    assert "data:application/pdf;base64," in json.dumps(_last_body(server))


def test_an_attachment_on_stdin(server: EmulatorServer) -> None:
    result = online(server.base_url, "chat", "-m", "emulator/echo", "-a", "-", "describe", stdin=PNG)
    assert result.returncode == 0, result.stderr
    assert "data:image/png;base64," in json.dumps(_last_body(server))


def test_a_url_is_passed_as_a_url(server: EmulatorServer) -> None:
    url = "https://example.com/photos/cat.jpg"
    result = online(server.base_url, "chat", "--completions", "-m", "emulator/echo", "-a", url, "what?")
    assert result.returncode == 0, result.stderr
    body = _last_body(server)
    assert {"type": "image_url", "image_url": {"url": url}} in body["messages"][-1]["content"]
    explicit = online(
        server.base_url,
        "chat",
        "-m",
        "emulator/echo",
        "--at",
        "https://example.com/x?id=1",
        "image/webp",
        "hm",
    )
    assert explicit.returncode == 0, explicit.stderr


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        ({}, ["-a", "missing.png"], "-a missing.png: cannot read it: No such file or directory"),
        ({"notes.txt": b"plain"}, ["-a", "notes.txt"], "a text/plain file; models take images, PDF, audio"),
        ({}, ["-a", "https://example.com/download"], "cannot tell the media type from the URL"),
        ({"a.wav": b"RIFF0000WAVEfmt "}, ["-a", "https://x/a.mp3"], "audio must be a local file"),
        ({"a.ogg": b"OggS" + b"\x00" * 8}, ["-a", "a.ogg"], "the Responses API takes only mp3 or wav audio"),
        ({"a.png": PNG}, ["--at", "a.png", "png"], "'png' is not a media type"),
    ],
)
def test_bad_attachments_are_usage_errors(
    tmp_path: Path, files: dict[str, bytes], args: list[str], message: str
) -> None:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result = cli("chat", "--offline", *args, "hi", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert_clean(result.stderr)


# -- structured output and --json ------------------------------------------------------------------------
SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer", "maximum": 5}},
    "required": ["city", "days"],
    "additionalProperties": False,
}


@WIRES
def test_schema_from_a_file_or_inline(tmp_path: Path, wire: list[str]) -> None:
    path = tmp_path / "trip.json"
    path.write_text(json.dumps(SCHEMA))
    for schema in (str(path), json.dumps(SCHEMA)):
        result = cli("chat", "--offline", *wire, "-m", "emulator/json", "--schema", schema, "plan a trip")
        assert result.returncode == 0, result.stderr
        jsonschema.validate(json.loads(result.stdout), SCHEMA)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{not json", "the inline schema is not valid JSON"),
        ("nope.json", "cannot read nope.json"),
        ("[1]", "cannot read"),
    ],
)
def test_bad_schema_is_a_usage_error(value: str, message: str, tmp_path: Path) -> None:
    result = cli("chat", "--offline", "--schema", value, "x", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert_clean(result.stderr)


def test_json_prints_the_whole_response() -> None:
    result = cli("chat", "--offline", "-m", "emulator/json", "--schema", json.dumps(SCHEMA), "--json", "plan")
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["model"] == "emulator/json"
    assert response["generation_id"].startswith("gen-")
    assert response["output"] == json.loads(response["text"])
    jsonschema.validate(response["output"], SCHEMA)
    usage = response["usage"]
    assert usage["input_tokens"] > 0
    assert usage["output_tokens"] > 0
    assert isinstance(usage["cost"], float)
    assert usage["cost"] > 0
    assert len(response["conversation_id"]) == 12
    assert response["finish_reason"] == "stop"
    assert result.stderr == ""  # nothing but the JSON: no footer, no reasoning


def test_json_is_never_taken_for_another_option() -> None:
    # argparse's prefix matching used to read --json as --json-schema; any abbreviation is an error now.
    result = cli("chat", "--offline", "--json", "hi")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"] == "hi"
    abbreviated = cli("chat", "--offline", "--no-str", "hi")
    assert abbreviated.returncode == 2
    assert "unrecognized arguments: --no-str" in abbreviated.stderr


# -- errors ---------------------------------------------------------------------------------------------
def test_bad_model_is_one_line_and_nonzero(server: EmulatorServer) -> None:
    # Against a server (offline, an unknown model is answered by the echo model: see below).
    result = online(server.base_url, "chat", "--completions", "-m", "acme/nope", "hi")
    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        result.stderr.strip()
        == "chat-openrouter: error: BadRequestError 400: acme/nope is not a valid model ID"
    )


def test_error_after_partial_output_keeps_the_partial_answer() -> None:
    result = cli("chat", "--offline", "--completions", "-m", "emulator/midstream-error", "one two three four")
    assert result.returncode == 1
    assert result.stdout.startswith("one two")
    assert "StreamError" in result.stderr
    assert "Provider disconnected mid-stream" in result.stderr
    assert_clean(result.stderr)


def test_missing_key_is_a_one_line_hint_with_exit_2() -> None:
    result = cli("chat", "hello")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    for hint in ("keys set", "OPENROUTER_API_KEY", "--offline"):
        assert hint in lines[0]


def test_offline_and_base_url_together_is_a_usage_error() -> None:
    result = cli("chat", "--offline", "--base-url", "http://127.0.0.1:9/api/v1", "hi")
    assert result.returncode == 2
    assert "--offline and --base-url" in result.stderr


def test_base_url_points_the_real_client_at_any_server(server: EmulatorServer) -> None:
    result = online(server.base_url, "chat", "-m", "emulator/echo", "over loopback")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "over loopback\n"
    assert [r.path for r in server.app.requests] == ["/responses"]


def test_offline_answers_under_a_real_model_id() -> None:
    """A command written for OpenRouter runs offline unchanged: a model the emulator does not serve is
    answered by its echo model under the name asked for (never a 400 "not a valid model ID")."""
    result = cli("chat", "--offline", "-m", "openai/gpt-4o-mini", "--no-log", "Hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Hello"
    emulated = cli("chat", "--offline", "-m", "emulator/tools", "--no-log", "--json", "What's the weather?")
    assert emulated.returncode == 0, emulated.stderr  # the emulator's own models keep their behaviour
