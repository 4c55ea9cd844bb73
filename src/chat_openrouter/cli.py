"""The ``chat-openrouter`` command (also ``python -m chat_openrouter``).

::

    chat-openrouter demo                              # offline tour: emulator on loopback, both wires
    chat-openrouter chat "Explain SSE in one line"    # stream an answer (OPENROUTER_API_KEY)
    echo "hi" | chat-openrouter chat --offline        # stdin works; --offline uses the built-in emulator
    chat-openrouter chat                              # no prompt in a terminal: a multi-turn REPL
    chat-openrouter models --search claude            # the catalog as a table
    chat-openrouter emulator --port 8080              # serve the emulator for other tools

Output: the answer goes to stdout, everything else (reasoning, tool calls, the usage footer, errors) to
stderr, so ``chat-openrouter chat ... > answer.txt`` keeps just the answer. Styling (dim reasoning, bold
headers) is used only when the stream is a terminal and ``NO_COLOR`` is unset.

Exit codes: 0 success, 1 the API or the network failed (one line on stderr), 2 usage or configuration
error (e.g. no API key), 130 interrupted with Ctrl-C.

Only the standard library is imported at start-up; the client loads when a command needs it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .core.messages import Messages
    from .core.options import ChatOptions, OutputSchema
    from .core.response import ChatResponse
    from .core.usage import Usage
    from .testing.emulator import Emulator
    from .transport.wire_client import WireClient

__all__ = ["main"]

PROG = "chat-openrouter"
OFFLINE_MODEL = "emulator/echo"
ONLINE_MODEL = "openrouter/auto"
_NO_KEY_HINT = (
    f"{PROG}: no API key: set OPENROUTER_API_KEY (create one at https://openrouter.ai/keys), "
    "or add --offline to use the built-in emulator"
)


class _UsageError(Exception):
    """A problem with how the command was called: one line on stderr, exit code 2."""


# -- terminal output ---------------------------------------------------------------------------------------
class _Style:
    """ANSI styling for one stream, only when it is a terminal (and NO_COLOR is unset)."""

    def __init__(self, stream: TextIO) -> None:
        isatty = getattr(stream, "isatty", None)
        self.enabled = (
            bool(isatty and isatty()) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
        )

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text else text

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)


def _write(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()  # streamed text must reach a pipe as it arrives, not when the buffer fills


def _error(message: str) -> None:
    style = _Style(sys.stderr)
    _write(sys.stderr, style.red(f"{PROG}: error: ") + " ".join(message.split()) + "\n")


def _describe(error: BaseException) -> str:
    """One line for any library error: class, HTTP status, message."""
    status = getattr(error, "status", None)
    prefix = type(error).__name__ + (f" {status}" if isinstance(status, int) and status != 200 else "")
    return f"{prefix}: {error}"


# -- building clients --------------------------------------------------------------------------------------
def _api_key(*, required: bool) -> str | None:
    key = os.environ.get("OPENROUTER_API_KEY", "").strip()
    if not key and required:
        raise _UsageError(_NO_KEY_HINT)
    return key or None


def _build_client(
    args: argparse.Namespace, *, key_required: bool = True, emulator: Emulator | None = None
) -> WireClient:
    """The real client, pointed at OpenRouter, ``--base-url``, or (``--offline``) an in-process emulator."""
    from .openrouter.builder import OpenRouterBuilder

    builder = OpenRouterBuilder()
    if getattr(args, "completions", False):
        builder = builder.with_completions()
    model = getattr(args, "model", None)
    if args.offline:
        if emulator is None:
            from .testing.emulator import Emulator

            emulator = Emulator()
        builder = builder.with_api_key("offline").with_transport(emulator.transport())
        model = model or OFFLINE_MODEL
    else:
        if args.base_url:
            builder = builder.with_base_url(args.base_url)
        key = _api_key(required=key_required)
        builder = builder.with_api_key(key) if key else builder.without_api_key()
        model = model or os.environ.get("OPENROUTER_MODEL") or ONLINE_MODEL
    client: WireClient = builder.with_model(model).build()
    return client


# -- chat --------------------------------------------------------------------------------------------------
class _Printer:
    """Prints one model turn as it streams: answer on stdout, decorations on stderr."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.out_style, self.err_style = _Style(out), _Style(err)
        self._in_reasoning = False
        self._wrote_text = False

    def reasoning(self, text: str) -> None:
        if not self._in_reasoning:
            _write(self.err, self.err_style.dim("thinking: "))
            self._in_reasoning = True
        _write(self.err, self.err_style.dim(text))

    def _end_reasoning(self) -> None:
        if self._in_reasoning:
            _write(self.err, "\n")
            self._in_reasoning = False

    def text(self, text: str) -> None:
        self._end_reasoning()
        _write(self.out, text)
        self._wrote_text = True

    def tool_call(self, name: str, arguments: str) -> None:
        self._end_reasoning()
        _write(self.err, self.err_style.cyan(f"→ {name}({arguments})") + "\n")

    def tool_result(self, name: str, output: str) -> None:
        _write(self.err, self.err_style.cyan(f"← {name}: {output}") + "\n")

    def end(self, response: ChatResponse | None) -> None:
        self._end_reasoning()
        if self._wrote_text:
            _write(self.out, "\n")
        self._wrote_text = False
        if response is not None:
            _write(self.err, self.err_style.dim(_footer(response.model, response.usage, response.id)) + "\n")


def _footer(model: str | None, usage: Usage, generation_id: str | None) -> str:
    parts = [model or "?", f"{usage.input_tokens} in / {usage.output_tokens} out tokens"]
    if usage.reasoning_tokens:
        parts.append(f"{usage.reasoning_tokens} reasoning")
    if usage.cost is not None:
        parts.append(f"${usage.cost:.7f}".rstrip("0").rstrip(".") if usage.cost else "$0")
    if generation_id:
        parts.append(generation_id)
    return "[" + " · ".join(parts) + "]"


def _stream_turn(
    client: WireClient,
    conversation: Messages,
    options: ChatOptions | None,
    output: OutputSchema | None,
    printer: _Printer,
) -> ChatResponse:
    from .core.events import Done, ReasoningChunk, TextChunk, ToolCall

    response: ChatResponse | None = None
    stream = client.stream_sync(conversation, options=options, output=output)
    try:
        for event in stream:
            if isinstance(event, TextChunk):
                printer.text(event.text)
            elif isinstance(event, ReasoningChunk):
                printer.reasoning(event.text)
            elif isinstance(event, ToolCall):
                printer.tool_call(event.part.name, event.part.raw_arguments)
            elif isinstance(event, Done):
                response = event.response
    finally:
        stream.close()
        printer.end(response)
    assert response is not None
    return response


def _load_schema(path: str) -> OutputSchema:
    from .core.options import OutputSchema

    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise _UsageError(f"--json-schema: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise _UsageError(f"--json-schema: {path} is not valid JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise _UsageError(f"--json-schema: {path} must contain a JSON object (a JSON schema)")
    # Accept either a bare schema or OpenAI's {"name", "schema", "strict"} wrapper.
    if isinstance(schema.get("schema"), dict) and "type" not in schema:
        name = str(schema.get("name") or Path(path).stem)
        return OutputSchema(name=name, schema=schema["schema"], strict=bool(schema.get("strict", True)))
    name = "".join(c if c.isalnum() or c in "_-" else "_" for c in Path(path).stem)[:64] or "output"
    return OutputSchema(name=name, schema=schema)


def _cmd_chat(args: argparse.Namespace) -> int:
    from .core.messages import Messages
    from .core.options import ChatOptions, Reasoning

    prompt = " ".join(args.prompt).strip() if args.prompt else ""
    interactive = args.interactive or (not prompt and sys.stdin.isatty())
    if not prompt and not interactive:
        prompt = sys.stdin.read().strip()
        if not prompt:
            raise _UsageError(
                "no prompt: pass one as an argument, pipe it on stdin, or run in a terminal for a REPL"
            )
    output = _load_schema(args.json_schema) if args.json_schema else None
    options = (
        ChatOptions(reasoning=Reasoning(effort=args.reasoning_effort)) if args.reasoning_effort else None
    )
    conversation = Messages()
    if args.system:
        conversation.system(args.system)
    printer = _Printer(sys.stdout, sys.stderr)
    with _build_client(args) as client:
        if prompt and not interactive:
            conversation.user(prompt)
            _stream_turn(client, conversation, options, output, printer)
            return 0
        return _repl(client, conversation, options, output, printer, first=prompt)


def _repl(
    client: WireClient,
    conversation: Messages,
    options: ChatOptions | None,
    output: OutputSchema | None,
    printer: _Printer,
    *,
    first: str,
) -> int:
    from .errors import ChatOpenRouterError

    if sys.stdin.isatty():
        try:
            import readline  # noqa: F401 - line editing and history for input()
        except ImportError:
            pass
    style = _Style(sys.stderr)
    _write(
        sys.stderr,
        style.dim(
            f"{client.model} via {type(client).__name__} · Ctrl-D or /exit to quit · "
            "Ctrl-C stops an answer, or quits at the prompt"
        )
        + "\n",
    )
    pending = first
    while True:
        if pending:
            line, pending = pending, ""
        else:
            try:
                line = input(_Style(sys.stdout).bold("you> "))
            except EOFError:
                _write(sys.stdout, "\n")
                return 0
            except KeyboardInterrupt:
                _write(sys.stderr, "\n")
                return 130
        line = line.strip()
        if not line:
            continue
        if line in ("/exit", "/quit"):
            return 0
        conversation.user(line)
        try:
            response = _stream_turn(client, conversation, options, output, printer)
        except KeyboardInterrupt:
            _write(sys.stderr, style.dim("\n[answer stopped]") + "\n")
            conversation = conversation[:-1]
            continue
        except ChatOpenRouterError as error:
            _error(_describe(error))
            conversation = conversation[:-1]
            continue
        conversation.push(response.content)


# -- models ------------------------------------------------------------------------------------------------
def _per_million(value: Any) -> str:
    if value is None:
        return "-"
    per_million = value * 1_000_000
    if per_million == 0:
        return "free"
    text = f"{per_million:.2f}" if per_million >= 0.01 else f"{per_million:.4f}"
    return text


def _cmd_models(args: argparse.Namespace) -> int:
    with _build_client(args, key_required=False) as client:
        models = client.list_models_sync()
    needle = (args.search or "").lower()
    if needle:
        models = [m for m in models if needle in m.id.lower() or needle in (m.name or "").lower()]
    headers = ("MODEL", "CONTEXT", "$/M IN", "$/M OUT", "TOOLS", "REASONING", "STRUCTURED")
    rows = []
    for m in sorted(models, key=lambda m: m.id):
        params = m.supported_parameters
        rows.append(
            (
                m.id,
                f"{m.context_length:,}" if m.context_length else "-",
                _per_million(m.pricing.prompt),
                _per_million(m.pricing.completion),
                "yes" if "tools" in params else "-",
                "yes" if "reasoning" in params or "include_reasoning" in params else "-",
                "yes" if "structured_outputs" in params or "response_format" in params else "-",
            )
        )
    if not rows:
        _write(sys.stderr, f"{PROG}: no model matches {args.search!r}\n")
        return 1
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    right = {1, 2, 3}

    def line(cells: Sequence[str]) -> str:
        padded = (
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    style = _Style(sys.stdout)
    _write(sys.stdout, style.bold(line(headers)) + "\n" + "".join(line(r) + "\n" for r in rows))
    return 0


# -- emulator ----------------------------------------------------------------------------------------------
def _cmd_emulator(args: argparse.Namespace) -> int:
    from .testing.emulator import Emulator, serve

    def ready(base_url: str) -> None:
        _write(sys.stdout, f"OpenRouter emulator listening on {base_url}  (Ctrl-C to stop)\n")
        _write(
            sys.stderr,
            f"try: OPENROUTER_API_KEY=any {PROG} chat --base-url {base_url} --model emulator/echo hello\n",
        )

    try:
        serve(Emulator(), host=args.host, port=args.port, backend=args.server, on_ready=ready)
    except RuntimeError:  # uvicorn requested but not installed
        raise _UsageError(
            f"{PROG}: uvicorn is not installed: `pip install uvicorn`, "
            "or leave out --server uvicorn to use the built-in server"
        ) from None
    except OSError as exc:
        _error(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return 1
    return 0


# -- demo --------------------------------------------------------------------------------------------------
class _Demo:
    """The offline showcase: the real client over real HTTP + SSE against the emulator on loopback."""

    WIRES = ("responses", "completions")

    def __init__(self, base_url: str, emulator: Emulator, out: TextIO) -> None:
        self.base_url = base_url
        self.emulator = emulator
        self.out = out
        self.style = _Style(out)
        self.usage: Usage | None = None
        self.calls = 0

    def client(self, wire: str, model: str) -> WireClient:
        from .openrouter.builder import OpenRouterBuilder

        builder = (
            OpenRouterBuilder()
            .with_base_url(self.base_url)
            .with_api_key("sk-or-v1-offline-demo")
            .with_model(model)
        )
        client: WireClient = (builder.with_completions() if wire == "completions" else builder).build()
        return client

    def say(self, text: str = "") -> None:
        _write(self.out, text + "\n")

    def section(self, number: int, title: str, note: str) -> None:
        self.say()
        self.say(self.style.bold(f"{number}. {title}") + self.style.dim(f"  ({note})"))

    def label(self, wire: str) -> str:
        return self.style.cyan(f"  {wire:<13}")

    def count(self, response: ChatResponse) -> None:
        steps = response.steps or [response]
        for step in steps:
            self.calls += 1
            self.usage = step.usage if self.usage is None else self.usage + step.usage

    # -- sections --------------------------------------------------------------------------------------
    def streaming(self) -> None:
        from .core.events import Done, TextChunk
        from .core.messages import from_user

        self.section(1, "Streaming text", "emulator/echo, token by token over SSE")
        for wire in self.WIRES:
            with self.client(wire, "emulator/echo") as client:
                lines = _Lines(self.out, self.label(wire))
                with client.stream_sync(
                    from_user("Hello from chat-openrouter! This answer streams word by word.")
                ) as stream:
                    for event in stream:
                        if isinstance(event, TextChunk):
                            lines.text(event.text)
                        elif isinstance(event, Done):
                            self.count(event.response)
                lines.finish()

    def tools(self) -> None:
        from .core.chat import ChatBuilder
        from .core.events import Done, TextChunk, ToolCall, ToolResult

        self.section(
            2, "Tool loop", "ChatBuilder + @tool; emulator/tools calls the tool, then answers from its result"
        )
        for wire in self.WIRES:
            with self.client(wire, "emulator/tools") as client:
                chat = ChatBuilder().with_model(client).with_tools([_weather_tool()]).build()
                lines = _Lines(self.out, self.label(wire))
                with chat.stream_sync("What's the weather in Paris?") as stream:
                    for event in stream:
                        if isinstance(event, ToolCall):
                            lines.line(self.style.dim(f"→ {event.part.name}({event.part.raw_arguments})"))
                        elif isinstance(event, ToolResult):
                            lines.line(self.style.dim(f"← {event.part.output_text()}"))
                        elif isinstance(event, TextChunk):
                            lines.text(event.text)
                        elif isinstance(event, Done):
                            self.count(event.response)
                lines.finish()

    def structured(self) -> None:
        from .core.chat import ChatBuilder

        self.section(
            3, "Structured output", "a pydantic model; emulator/json answers JSON valid for its schema"
        )
        guide = _city_guide_type()
        for wire in self.WIRES:
            with self.client(wire, "emulator/json") as client:
                chat = ChatBuilder().with_model(client).with_structured_output(guide).build()
                response = chat.complete_sync("Plan a weekend in Lisbon.")
                self.count(response)
                self.say(self.label(wire) + repr(response.output))

    def reasoning(self) -> None:
        from .core.chat import ChatBuilder
        from .core.events import Done, ReasoningChunk, TextChunk, ToolCall
        from .core.options import ChatOptions, Reasoning

        self.section(
            4, "Reasoning", "emulator/reasoning signs its reasoning and rejects a tool turn that drops it"
        )
        for wire in self.WIRES:
            with self.client(wire, "emulator/reasoning") as client:
                chat = (
                    ChatBuilder()
                    .with_model(client)
                    .with_tools([_weather_tool()])
                    .with_options(ChatOptions(reasoning=Reasoning(effort="medium")))
                    .build()
                )
                lines = _Lines(self.out, self.label(wire))
                thinking = False
                steps = 0
                with chat.stream_sync("Do I need an umbrella in Paris?") as stream:
                    for event in stream:
                        if isinstance(event, ReasoningChunk):
                            if not thinking:
                                lines.finish()
                                lines.text(self.style.dim("thinking: "))
                                thinking = True
                            lines.text(self.style.dim(event.text))
                        elif isinstance(event, ToolCall):
                            thinking = False
                            lines.line(self.style.dim(f"→ {event.part.name}({event.part.raw_arguments})"))
                        elif isinstance(event, TextChunk):
                            if thinking:
                                lines.finish()
                                thinking = False
                            lines.text(event.text)
                        elif isinstance(event, Done):
                            self.count(event.response)
                            steps = len(event.response.steps)
                lines.line(
                    self.style.dim(f"reasoning replayed verbatim across {steps} model calls: accepted")
                )

    def rate_limit(self) -> None:
        from .core.messages import from_user

        self.section(
            5,
            "A 429, recovered",
            "emulator/rate-limit answers 429 + Retry-After first; the retry layer waits",
        )
        for wire in self.WIRES:
            with self.client(wire, "emulator/rate-limit") as client:
                before = len(self.emulator.requests)
                response = client.complete_sync(from_user(f"Retried on the {wire} wire"))
                self.count(response)
                statuses = [r.status for r in self.emulator.requests[before:]]
                trail = " → ".join(str(s) for s in statuses)
                self.say(
                    self.label(wire)
                    + f"{trail}  {response.text!r}  "
                    + self.style.dim(f"(Retry-After {self.emulator.retry_after:g}s honoured)")
                )

    def summary(self, started: float) -> bool:
        """Print the totals; False when the client's summed cost disagrees with the emulator's ledger."""
        self.section(
            6,
            "Usage and cost",
            "usage.cost of every response, summed; the emulator prices tokens from its GET /models catalog",
        )
        usage = self.usage
        ledger = self.emulator.total_cost
        agrees = usage is not None and usage.cost is not None and abs(usage.cost - ledger) < 1e-12
        if usage is not None:
            cost = f"${usage.cost:.6f}" if usage.cost is not None else "n/a"
            self.say(
                f"  {self.calls} model calls · {usage.input_tokens:,} tokens in · "
                f"{usage.output_tokens:,} out · {usage.reasoning_tokens:,} reasoning · {cost}"
            )
        verdict = "agrees" if agrees else "DISAGREES"
        self.say(
            self.style.dim(
                f"  the emulator's ledger {verdict}: ${ledger:.6f} over "
                f"{len(self.emulator.generations)} generations"
            )
        )
        self.say()
        self.say(
            self.style.bold(f"Demo finished in {time.monotonic() - started:.1f}s.")
            + f' Next: {PROG} chat --offline "Hello"  ·  {PROG} models --offline'
        )
        return agrees


class _Lines:
    """Indented demo output: the first line starts with the wire's label, the next ones align under it."""

    def __init__(self, out: TextIO, label: str) -> None:
        self.out = out
        self.indent = label
        self.mid_line = False

    def _start(self) -> None:
        if self.mid_line:
            _write(self.out, "\n")
        _write(self.out, self.indent)
        self.indent = " " * 15
        self.mid_line = True

    def line(self, text: str) -> None:
        self._start()
        _write(self.out, text + "\n")
        self.mid_line = False

    def text(self, text: str) -> None:
        if not self.mid_line:
            self._start()
        _write(self.out, text)

    def finish(self) -> None:
        if self.mid_line:
            _write(self.out, "\n")
        self.mid_line = False


def _weather_tool() -> Any:
    from typing import Annotated

    from pydantic import Field

    from .core.tool import tool

    def get_weather(city: str) -> dict[str, Any]:
        """Current weather for a city."""
        return {"city": city, "forecast": "light rain", "celsius": 14}

    # This module uses postponed annotations (strings) and imports pydantic lazily, so the real types are
    # attached here; `examples` is what the emulator's tools model fills the argument with.
    get_weather.__annotations__ = {
        "city": Annotated[str, Field(description="City name", examples=["Paris"])],
        "return": dict[str, Any],
    }
    return tool(get_weather)


def _city_guide_type() -> type:
    from typing import Literal

    from pydantic import BaseModel, Field

    class CityGuide(BaseModel):
        city: str = Field(examples=["Lisbon"])
        country: str = Field(examples=["Portugal"])
        best_month: Literal["May", "June", "September"]
        must_see: list[str] = Field(examples=[["Belém Tower", "Alfama"]])

    return CityGuide


def _cmd_demo(args: argparse.Namespace) -> int:
    from .testing.emulator import Emulator

    started = time.monotonic()
    emulator = Emulator(retry_after=0.05)
    out = sys.stdout
    style = _Style(out)
    with emulator.loopback() as server:
        _write(
            out,
            style.bold(f"{PROG} demo") + ": an offline tour through the real client, HTTP and SSE stack.\n",
        )
        _write(out, f"Emulated OpenRouter at {server.base_url} — no API key, no internet.\n")
        demo = _Demo(server.base_url, emulator, out)
        demo.streaming()
        demo.tools()
        demo.structured()
        demo.reasoning()
        demo.rate_limit()
        consistent = demo.summary(started)
    return 0 if consistent else 1


# -- entry point -------------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    from . import __version__

    # Shared options may come before or after the command; SUPPRESS keeps a sub-command from
    # resetting a value given before it.
    def shared(suppress: bool, *, base_url: bool = True) -> argparse.ArgumentParser:
        common = argparse.ArgumentParser(add_help=False)
        default: Any = argparse.SUPPRESS if suppress else None
        common.add_argument(
            "--offline",
            action="store_true",
            default=argparse.SUPPRESS if suppress else False,
            help="use the built-in OpenRouter emulator (no key, no network)",
        )
        if base_url:
            common.add_argument(
                "--base-url",
                default=default,
                metavar="URL",
                help="OpenRouter-compatible base URL (default https://openrouter.ai/api/v1)",
            )
        return common

    parser = argparse.ArgumentParser(
        prog=PROG,
        parents=[shared(False)],
        description="Talk to OpenRouter from the command line. Start with: chat-openrouter demo",
        epilog="The API key is read from OPENROUTER_API_KEY (never from the command line).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    common = shared(True)

    chat = commands.add_parser(
        "chat",
        parents=[common],
        help="stream an answer, or chat in a REPL",
        description="Stream an answer. No prompt: read stdin, or open a REPL in a terminal.",
    )
    chat.add_argument("prompt", nargs="*", help="the prompt (words are joined)")
    chat.add_argument(
        "-m",
        "--model",
        help=f"model id (default $OPENROUTER_MODEL or {ONLINE_MODEL}; {OFFLINE_MODEL} with --offline)",
    )
    chat.add_argument(
        "--completions", action="store_true", help="use the Chat Completions wire (default: Responses API)"
    )
    chat.add_argument(
        "--reasoning-effort",
        metavar="EFFORT",
        help="none, minimal, low, medium, high, xhigh (unknown values pass through)",
    )
    chat.add_argument("-s", "--system", help="a system prompt")
    chat.add_argument("--json-schema", metavar="FILE", help="ask for JSON matching the JSON schema in FILE")
    chat.add_argument(
        "-i", "--interactive", action="store_true", help="REPL even when stdin is not a terminal"
    )
    chat.set_defaults(handler=_cmd_chat)

    models = commands.add_parser("models", parents=[common], help="list models with context and prices")
    models.add_argument("--search", metavar="TEXT", help="only models whose id or name contains TEXT")
    models.set_defaults(handler=_cmd_models)

    # demo and emulator are offline by nature; they accept --offline so it works "on any command".
    offline_only = shared(True, base_url=False)
    demo = commands.add_parser(
        "demo", parents=[offline_only], help="offline showcase against the built-in emulator"
    )
    demo.set_defaults(handler=_cmd_demo)

    emulator = commands.add_parser(
        "emulator", parents=[offline_only], help="serve the OpenRouter emulator over HTTP"
    )
    emulator.add_argument(
        "--port", type=int, default=8080, help="TCP port (default 8080; 0 picks a free one)"
    )
    emulator.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    emulator.add_argument(
        "--server",
        choices=("builtin", "uvicorn"),
        default="builtin",
        help="HTTP server (default: the built-in one, no extra dependency)",
    )
    emulator.set_defaults(handler=_cmd_emulator)
    from .batch._command import register as register_batch  # moves to cli/batch.py with the CLI package

    register_batch(commands)
    return parser


@contextmanager
def _quiet_broken_pipe() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(1) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = getattr(args, "run", None) or args.handler
    from .errors import ChatOpenRouterError, ConfigurationError

    try:
        with _quiet_broken_pipe():
            return handler(args)
    except KeyboardInterrupt:
        _write(sys.stderr, "\n")
        return 130
    except _UsageError as exc:
        _write(sys.stderr, f"{exc}\n")
        return 2
    except ConfigurationError as exc:
        _error(str(exc))
        return 2
    except ChatOpenRouterError as exc:
        _error(_describe(exc))
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
