"""One conversation at the command line: ask, print as it streams, keep the history, log every exchange.

Used by ``chat`` for a one-shot prompt and by the REPL for each line. Printing keeps stdout for the answer
only; reasoning, the usage footer and notes go to stderr; everything from the server goes through
:func:`~._output.safe`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO

from ._output import Style, describe, format_cost, safe, warn, write
from ._store import Exchange, LogStore, StoreError, new_conversation_id

if TYPE_CHECKING:
    from ..core.messages import Content, Messages
    from ..core.options import ChatOptions, OutputSchema
    from ..core.parts import FilePart
    from ..core.response import ChatResponse
    from ..core.usage import Usage
    from ..wire.base import WireClient

__all__ = ["INTERRUPTED", "Printer", "Session", "TurnInterrupted", "footer"]

#: Appended to an answer cut short with Ctrl-C, in the history the model sees next and in the log.
INTERRUPTED = "[answer interrupted by the user]"


class TurnInterrupted(KeyboardInterrupt):
    """Ctrl-C during an answer; ``partial`` is the model turn kept in the history (marked interrupted)."""

    def __init__(self, partial: Content) -> None:
        super().__init__()
        self.partial = partial


def footer(model: str | None, usage: Usage, generation_id: str | None) -> str:
    """``[model · 12 in / 5 out tokens · 3 reasoning · $0.0000022 · gen-…]``, made safe."""
    parts = [model or "?", f"{usage.input_tokens} in / {usage.output_tokens} out tokens"]
    if usage.reasoning_tokens:
        parts.append(f"{usage.reasoning_tokens} reasoning")
    if usage.cost is not None:
        parts.append(format_cost(usage.cost))
    if generation_id:
        parts.append(generation_id)
    return safe("[" + " · ".join(parts) + "]")


class Printer:
    """Prints one model turn as it streams: the answer on stdout, decorations on stderr."""

    def __init__(self, out: TextIO, err: TextIO, *, quiet: bool = False) -> None:
        self.out, self.err, self.quiet = out, err, quiet
        self.err_style = Style(err)
        self._in_reasoning = False
        self._wrote_text = False
        self.text_so_far: list[str] = []

    def reasoning(self, text: str) -> None:
        if self.quiet:
            return
        if not self._in_reasoning:
            write(self.err, self.err_style.dim("thinking: "))
            self._in_reasoning = True
        write(self.err, self.err_style.dim(safe(text)))

    def _end_reasoning(self) -> None:
        if self._in_reasoning:
            write(self.err, "\n")
            self._in_reasoning = False

    def text(self, text: str) -> None:
        self.text_so_far.append(text)
        if self.quiet:
            return
        self._end_reasoning()
        write(self.out, safe(text))
        self._wrote_text = True

    def refusal(self, text: str) -> None:
        # A refusal is not the answer's text (a script reading stdout must not take it for one): it goes to
        # stderr, marked, like other decorations. `--json` carries it as `refusal`.
        if not self.quiet:
            self._end_reasoning()
            write(self.err, self.err_style.yellow(safe(f"refused: {text}")) + "\n")

    def tool_call(self, name: str, arguments: str) -> None:
        if not self.quiet:
            self._end_reasoning()
            write(self.err, self.err_style.cyan(safe(f"→ {name}({arguments})")) + "\n")

    def end(self, response: ChatResponse | None) -> None:
        """Finish the turn: end the answer's line; the usage footer when the turn completed."""
        self._end_reasoning()
        if self._wrote_text:
            write(self.out, "\n")
        self._wrote_text = False
        self.text_so_far = []
        if response is not None and not self.quiet:
            write(self.err, self.err_style.dim(footer(response.model, response.usage, response.id)) + "\n")


def _stream(
    client: WireClient,
    conversation: Messages,
    options: ChatOptions | None,
    output: OutputSchema | None,
    printer: Printer,
) -> ChatResponse:
    from ..core.events import Done, ReasoningChunk, RefusalChunk, TextChunk, ToolCall
    from ..errors import IncompleteStreamError

    response: ChatResponse | None = None
    stream = client.stream_sync(conversation, options=options, output=output)
    try:
        for event in stream:
            if isinstance(event, TextChunk):
                printer.text(event.text)
            elif isinstance(event, ReasoningChunk):
                printer.reasoning(event.text)
            elif isinstance(event, Done):
                response = event.response
                if response.refusal:  # refusal deltas are folded into one line once the answer is whole
                    printer.refusal(response.refusal)
            elif isinstance(event, ToolCall):
                printer.tool_call(event.part.name, event.part.raw_arguments)
            elif isinstance(event, RefusalChunk):
                pass  # printed whole from Done (above)
    finally:
        stream.close()
    if response is None:  # the stream shell folds every ending into Done or an error; never print nothing
        raise IncompleteStreamError("the stream ended without a final response")
    return response


def _complete(
    client: WireClient,
    conversation: Messages,
    options: ChatOptions | None,
    output: OutputSchema | None,
    printer: Printer,
) -> ChatResponse:
    response = client.complete_sync(conversation, options=options, output=output)
    if response.reasoning:
        printer.reasoning(response.reasoning)
    if response.text:
        printer.text(response.text)
    if response.refusal:
        printer.refusal(response.refusal)
    return response


class Session:
    """A conversation being had: the client, the history, the log.

    ``ask`` adds the user's turn, runs one model call (streamed unless ``stream=False``), keeps the
    model's turn in the history, and logs the exchange. On Ctrl-C the partial answer is kept, marked
    :data:`INTERRUPTED`, and :class:`TurnInterrupted` is raised; on an API error the user's turn is taken
    back (so the next try does not send it twice) and the error propagates.
    """

    def __init__(
        self,
        *,
        make_client: Callable[[str], WireClient],
        model: str,
        conversation: Messages,
        conversation_id: str | None,
        options: ChatOptions | None,
        output: OutputSchema | None,
        store: LogStore | None,
        printer: Printer,
        stream: bool = True,
    ) -> None:
        self._make_client = make_client
        self.model = model
        self.client = make_client(model)
        self.conversation = conversation
        self.conversation_id = conversation_id or new_conversation_id()
        self.options = options
        self.output = output
        self.store = store
        self.printer = printer
        self.stream = stream

    def close(self) -> None:
        self.client.close()
        if self.store is not None:
            self.store.close()

    # -- REPL commands ------------------------------------------------------------------------------------
    def set_model(self, model: str) -> None:
        client = self._make_client(model)
        self.client.close()
        self.client, self.model = client, model

    @property
    def system(self) -> str | None:
        first = self.conversation[0] if len(self.conversation) else None
        return first.text if first is not None and first.role.value == "system" else None

    def set_system(self, text: str | None) -> None:
        """Replace the conversation's leading system prompt (None removes it)."""
        from ..core.messages import Content, Messages

        turns = list(self.conversation)
        if turns and turns[0].role.value == "system":
            turns.pop(0)
        if text:
            turns.insert(0, Content.system(text))
        self.conversation = Messages(turns)

    def clear(self) -> None:
        """A new conversation (with the same system prompt), logged under a new id."""
        system = self.system
        from ..core.messages import Messages

        self.conversation = Messages()
        self.set_system(system)
        self.conversation_id = new_conversation_id()

    # -- one exchange -------------------------------------------------------------------------------------
    def ask(self, prompt: str, attachments: Sequence[FilePart] = ()) -> ChatResponse:
        from ..core.messages import Content
        from ..core.parts import Role, TextPart
        from ..errors import ChatOpenRouterError

        turn = Content.user(*([prompt] if prompt else []), *attachments)
        self.conversation.push(turn)
        exchange = Exchange(
            conversation_id=self.conversation_id,
            status="ok",
            model=self.model,
            prompt=prompt,
            system=self.system,
            attachments=[_describe_file(part) for part in attachments],
            options=_describe_options(self.options, self.output),
        )
        started = time.monotonic()
        run = _stream if self.stream else _complete
        try:
            response = run(self.client, self.conversation, self.options, self.output, self.printer)
        except KeyboardInterrupt:
            text = "".join(self.printer.text_so_far)
            self.printer.end(None)
            partial = Content(Role.MODEL, [TextPart(f"{text}\n\n{INTERRUPTED}" if text else INTERRUPTED)])
            self.conversation.push(partial)
            self._log(replace(exchange, status="interrupted", response=text), started, saved=True)
            raise TurnInterrupted(partial) from None
        except ChatOpenRouterError as exc:
            self.printer.end(None)
            self.conversation = self.conversation[:-1]
            self._log(replace(exchange, status="error", error=describe(exc)), started, saved=False)
            raise
        self.printer.end(response)
        self.conversation.push(response.content)
        usage = response.usage
        done = replace(
            exchange,
            response=response.text,
            reasoning=response.reasoning,
            response_model=response.model,
            provider=response.provider,
            generation_id=response.id,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            cached_tokens=usage.cached_tokens,
            cost=None if usage.cost is None else float(usage.cost),
            finish_reason=response.finish_reason,
        )
        self._log(done, started, saved=True)
        return response

    def _log(self, exchange: Exchange, started: float, *, saved: bool) -> None:
        if self.store is None:
            return
        exchange.duration_ms = round((time.monotonic() - started) * 1000)
        try:
            self.store.record(exchange, messages_json=self.conversation.to_json() if saved else None)
        except (StoreError, TypeError) as exc:
            # The answer is already printed: losing the log entry must not lose the answer (or exit 1).
            warn(f"this exchange was not logged: {exc}")
            self.store.close()
            self.store = None


def _describe_file(part: FilePart) -> dict[str, Any]:
    source = part.url if part.url is not None and not part.url.startswith("data:") else part.filename
    return {"type": part.mime_type, "source": source, "bytes": part.size if part.data is not None else None}


def _describe_options(options: ChatOptions | None, output: OutputSchema | None) -> dict[str, Any]:
    described: dict[str, Any] = {}
    if options is not None:
        for name in ("temperature", "top_p", "max_tokens", "stop", "seed", "user", "timeout", "retries"):
            value = getattr(options, name)
            if value is not None:
                described[name] = value
        if options.reasoning is not None:
            described["reasoning"] = options.reasoning.to_json()
        described.update(options.extra_body)
    if output is not None:
        described["schema"] = output.schema
    plain: dict[str, Any] = json.loads(json.dumps(described, default=str))
    return plain
