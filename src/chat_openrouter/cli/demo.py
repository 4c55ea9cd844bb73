"""``chat-openrouter demo``: an offline tour of the real client over HTTP + SSE against the emulator."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from ._output import PROG, Style, write

if TYPE_CHECKING:
    from ..core.response import ChatResponse
    from ..core.usage import Usage
    from ..testing.emulator import Emulator
    from ..wire.base import WireClient

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``demo`` sub-command."""
    parser = subparsers.add_parser(
        "demo",
        help="offline showcase against the built-in emulator (no key, no network)",
        description="Streaming, a tool loop, structured output, reasoning replay and a recovered 429, on "
        "both wires, through real HTTP and SSE against the emulator on a loopback port.",
    )
    parser.set_defaults(run=run)


class _Demo:
    """The offline showcase: the real client over real HTTP + SSE against the emulator on loopback."""

    WIRES = ("responses", "completions")

    def __init__(self, base_url: str, emulator: Emulator, out: TextIO) -> None:
        self.base_url = base_url
        self.emulator = emulator
        self.out = out
        self.style = Style(out)
        self.usage: Usage | None = None
        self.calls = 0

    def client(self, wire: str, model: str) -> WireClient:
        from ..openrouter.builder import OpenRouterBuilder

        builder = (
            OpenRouterBuilder()
            .with_base_url(self.base_url)
            .with_api_key("sk-or-v1-offline-demo")
            .with_model(model)
        )
        client: WireClient = (builder.with_completions() if wire == "completions" else builder).build()
        return client

    def say(self, text: str = "") -> None:
        write(self.out, text + "\n")

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
        from ..core.events import Done, TextChunk
        from ..core.messages import from_user

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
        from ..core.chat import ChatBuilder
        from ..core.events import Done, TextChunk, ToolCall, ToolResult

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
        from ..core.chat import ChatBuilder

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
        from ..core.chat import ChatBuilder
        from ..core.events import Done, ReasoningChunk, TextChunk, ToolCall
        from ..core.options import ChatOptions, Reasoning

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
        from ..core.messages import from_user

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
        agrees = usage is not None and usage.cost is not None and abs(float(usage.cost) - ledger) < 1e-12
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
            write(self.out, "\n")
        write(self.out, self.indent)
        self.indent = " " * 15
        self.mid_line = True

    def line(self, text: str) -> None:
        self._start()
        write(self.out, text + "\n")
        self.mid_line = False

    def text(self, text: str) -> None:
        if not self.mid_line:
            self._start()
        write(self.out, text)

    def finish(self) -> None:
        if self.mid_line:
            write(self.out, "\n")
        self.mid_line = False


def _weather_tool() -> Any:
    from typing import Annotated

    from pydantic import Field

    from ..core.tools import tool

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


def _city_guide_type() -> Any:
    from typing import Literal

    from pydantic import BaseModel, Field

    class CityGuide(BaseModel):
        city: str = Field(examples=["Lisbon"])
        country: str = Field(examples=["Portugal"])
        best_month: Literal["May", "June", "September"]
        must_see: list[str] = Field(examples=[["Belém Tower", "Alfama"]])

    return CityGuide


def run(args: argparse.Namespace) -> int:
    from ..testing.emulator import Emulator

    started = time.monotonic()
    emulator = Emulator(retry_after=0.05)
    out = sys.stdout
    style = Style(out)
    with emulator.loopback() as server:
        write(
            out,
            style.bold(f"{PROG} demo") + ": an offline tour through the real client, HTTP and SSE stack.\n",
        )
        write(out, f"Emulated OpenRouter at {server.base_url} — no API key, no internet.\n")
        demo = _Demo(server.base_url, emulator, out)
        demo.streaming()
        demo.tools()
        demo.structured()
        demo.reasoning()
        demo.rate_limit()
        consistent = demo.summary(started)
    return 0 if consistent else 1
