"""Chat Completions streams: SSE ``data`` chunks -> stream events and, at the end, the ``ChatResponse``.

:class:`CompletionsStreamState` is sans-I/O (``handle(data) -> events``, ``snapshot()``, ``finish()``;
the ``core.stream.StreamState`` protocol). It merges the chunks into one ``chat.completion`` -- the
message field by field, the top-level metadata (``system_fingerprint`` and ``service_tier`` arrive on the
last chunks, fixture chat-stream-server-tool-usage), the usage of the last chunk that has one -- and the
final response is decoded from that merged body by the same function that decodes a non-streamed body
(:func:`.decode.response_from`). A streamed call and a non-streamed one therefore give equal responses
(property-tested in tests/wire/test_stream_equivalence.py). Section numbers (§) refer to the reference.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from ... import _json
from ...core.events import (
    AudioChunk,
    ReasoningChunk,
    RefusalChunk,
    StreamEvent,
    TextChunk,
    ToolCall,
    ToolCallChunk,
)
from ...core.parts import ToolPart
from ...core.response import ChatResponse, normalise_finish_reason
from ...errors import DecodeError, IncompleteStreamError
from ..common.decoding import adopt_emitted_calls, audio_bytes, parse_payload, raw_arguments, token_logprobs
from ..common.lenient import as_str, opt_int
from ..common.reasoning import TEXT_SEPARATOR
from ..common.text import TextBuffer
from .accumulate import DetailAccumulator, ToolCallAccumulator
from .decode import content_text, failure, response_from, tool_part_from_call

__all__ = ["CompletionsStreamState"]

#: Top-level chunk fields whose first value is kept (the rest -- system_fingerprint, service_tier, ... --
#: take the last non-null value: OpenRouter sends them on the final chunks).
_FIRST_WINS = frozenset({"id", "model", "provider", "created"})
#: Chunk fields merged elsewhere (or replaced: the merged body is a `chat.completion`).
_NOT_METADATA = frozenset({"choices", "usage", "error", "object"})
#: How many distinct top-level fields the merged body keeps (a hostile stream cannot grow it per chunk).
_MAX_METADATA_FIELDS = 64


class CompletionsStreamState:
    """Sans-I/O accumulator of one streamed chat completion (implements ``core.stream.StreamState``).

    Feed it each SSE ``data`` payload (``[DONE]`` excluded) with :meth:`handle`; it returns the events
    that payload produces. :meth:`snapshot` is the response so far, :meth:`finish` the final one.
    Use it directly to decode streams you obtained elsewhere::

        state = CompletionsStreamState()
        for data in payloads:
            for event in state.handle(data):
                ...
        response = state.finish()

    Content goes out as :class:`TextChunk` (with its tokens' log probabilities when asked for), refusals
    as :class:`RefusalChunk`, reasoning as :class:`ReasoningChunk`, tool-call fragments as
    :class:`ToolCallChunk`; each call's :class:`ToolCall` goes out once, when a finish reason says the
    calls are complete. The final response's ``raw`` is the merged ``chat.completion``.

    ``max_tool_calls`` bounds how many distinct tool calls one stream may open (hostile or broken
    upstreams); going over raises :class:`~chat_openrouter.errors.DecodeError`.
    """

    def __init__(self, *, max_tool_calls: int = 256) -> None:
        self.max_tool_calls = max_tool_calls
        self.finish_reason: str | None = None  # normalised; the wire's value is kept for the merged body
        self.native_finish_reason: str | None = None
        self.usage: Mapping[str, Any] | None = None
        self._finish_raw: str | None = None
        self._metadata: dict[str, Any] = {}
        self._text = TextBuffer()
        self._refusal = TextBuffer()
        self._reasoning = TextBuffer()  # the `delta.reasoning` strings
        # Which source feeds ReasoningChunk: "string" (delta.reasoning) or "details" (only when a
        # provider streams nothing but reasoning_details). Both carry the same text, so never both.
        self._reasoning_source: str | None = None
        self._reasoning_emitted = False
        self._details: list[DetailAccumulator] = []
        self._details_by_key: dict[tuple[int, Any], DetailAccumulator] = {}
        self._annotations: list[dict[str, Any]] = []
        self._images: list[dict[str, Any]] = []
        # Audio output arrives as `delta.audio` pieces, each with its own base64 slice (so they are decoded
        # one by one, never concatenated as text) and a piece of the transcript.
        self._audio: bytearray | None = None
        self._audio_transcript = TextBuffer()
        self._audio_meta: dict[str, Any] = {}
        self._logprobs: dict[str, list[Any]] = {}  # "content" / "refusal" -> token entries
        self._tools: list[ToolCallAccumulator] = []
        self._tools_by_index: dict[int, ToolCallAccumulator] = {}
        self._tools_by_id: dict[str, ToolCallAccumulator] = {}
        self._tool_parts: dict[str, ToolPart] = {}  # call id -> the part handed out in its ToolCall
        # Top-level fields with nothing left to merge: the non-metadata ones and the first-wins ones
        # already set. A chunk made only of these (nearly every chunk) skips the metadata merge.
        self._settled: frozenset[str] = _NOT_METADATA

    # -- what is known so far (read-only views) ----------------------------------------------------------
    @property
    def id(self) -> str | None:
        return as_str(self._metadata.get("id"))

    @property
    def model(self) -> str | None:
        return as_str(self._metadata.get("model"))

    @property
    def provider(self) -> str | None:
        return as_str(self._metadata.get("provider"))

    @property
    def created(self) -> int | None:
        return opt_int(self._metadata.get("created"))

    # -- StreamState ------------------------------------------------------------------------------------
    def handle(self, data: str) -> list[StreamEvent]:
        """Decode one chunk and return its events.

        Raises :class:`StreamError` on an in-band error and :class:`DecodeError` on invalid JSON.
        """
        if len(data) <= _json.UNCHECKED_SAFE_BYTES and self.finish_reason is None:
            text_events = self._text_delta(data)
            if text_events is not None:
                return text_events
        # A payload is what json.loads made of it, so its objects are plain dicts (`type(x) is dict`,
        # not an isinstance check against the Mapping ABC).
        try:
            chunk = _json.loads(data)
        except ValueError:
            chunk = parse_payload(data, what="a stream chunk", partial=self.snapshot)  # raises DecodeError
        if type(chunk) is not dict:
            return []  # lenient: nothing we know how to read
        if not chunk.keys() <= self._settled:
            self._merge_metadata(chunk)
        usage = chunk.get("usage")
        if type(usage) is dict:
            self.usage = usage

        events: list[StreamEvent] = []
        failed_choice: Mapping[str, Any] | None = None
        choices = chunk.get("choices")
        if type(choices) is list:  # `[]` on usage and debug chunks (§5.2)
            for choice in choices:
                if type(choice) is not dict or choice.get("index") not in (0, None):
                    continue  # n > 1 is not modelled: follow the first choice only
                delta = choice.get("delta")
                if type(delta) is dict:
                    logprobs = choice.get("logprobs")
                    content = delta.get("content")
                    if (
                        logprobs is None
                        and type(content) is str
                        and (len(delta) == 1 or (len(delta) == 2 and "role" in delta))
                    ):
                        if content:  # a text delta: nearly every chunk of an answer
                            self._text.append(content)
                            events.append(TextChunk(content))
                    else:
                        self._handle_delta(delta, logprobs if type(logprobs) is dict else None, events)
                finish = choice.get("finish_reason")
                if type(finish) is str:
                    self._finish_raw = finish
                    self.finish_reason = normalise_finish_reason(finish)
                    native = choice.get("native_finish_reason")
                    if isinstance(native, str):
                        self.native_finish_reason = native
                    if finish == "error":
                        failed_choice = choice

        error = chunk.get("error")
        if type(error) is dict or failed_choice is not None:
            # Any chunk with a top-level `error` is terminal (§5.5), whatever its finish_reason says.
            choice = failed_choice or {}
            raise failure(
                error if type(error) is dict else choice.get("error"),
                choice,
                partial=self.snapshot(),
                body=chunk,
                generation_id=self.id,
            )
        if self.finish_reason is not None and self._tools:
            # Calls are complete once a finish reason arrived; `finish_reason: "tool_calls"` can come
            # twice (agno-agi/agno#8880), the `emitted` flag keeps ToolCall to once per call.
            for acc in self._tools:
                if not acc.emitted:
                    acc.emitted = True
                    part = self._call_part(acc)
                    self._tool_parts.setdefault(part.id, part)
                    events.append(ToolCall(part))
        return events

    def _text_delta(self, data: str) -> list[StreamEvent] | None:
        """The events of a chunk that only carries text (nearly every chunk of an answer), else None.

        Parsed without ``_json.loads``'s checks (``loads_unchecked``): the chunk is short and only its
        strings, ``None`` and the ``0`` index are read, which any JSON parser reads as the stdlib does;
        anything more (metadata to merge, usage, a finish reason, tool calls...) is left to :meth:`handle`,
        which parses it again, exactly.
        """
        try:
            chunk = _json.loads_unchecked(data)
        except ValueError:
            return None
        if type(chunk) is not dict or not chunk.keys() <= self._settled:
            return None
        choices = chunk.get("choices")
        if type(choices) is not list or len(choices) != 1 or chunk.get("usage") is not None:
            return None
        choice = choices[0]
        if type(choice) is not dict or chunk.get("error") is not None:
            return None
        delta = choice.get("delta")
        if (
            type(delta) is not dict
            or choice.get("index") not in (0, None)
            or choice.get("finish_reason") is not None
            or choice.get("logprobs") is not None
        ):
            return None
        content = delta.get("content")
        if type(content) is not str or not (len(delta) == 1 or (len(delta) == 2 and "role" in delta)):
            return None
        if not content:
            return []
        self._text.append(content)
        return [TextChunk(content)]

    def merged(self) -> dict[str, Any]:
        """The chunks so far merged into one ``chat.completion`` body (the final response's ``raw``)."""
        message: dict[str, Any] = {"role": "assistant", "content": self._text.value() or None}
        if self._refusal:
            message["refusal"] = self._refusal.value()
        if self._reasoning:
            message["reasoning"] = self._reasoning.value()
        if self._details:
            message["reasoning_details"] = [acc.to_json() for acc in self._details]
        if self._tools:
            message["tool_calls"] = [acc.to_json() for acc in self._tools]
        if self._annotations:
            message["annotations"] = list(self._annotations)
        if self._images:
            message["images"] = list(self._images)
        if self._audio is not None:
            message["audio"] = {
                **self._audio_meta,
                "data": base64.b64encode(self._audio).decode("ascii"),
                "transcript": self._audio_transcript.value(),
            }
        choice: dict[str, Any] = {
            "index": 0,
            "message": message,
            "finish_reason": self._finish_raw,
            "native_finish_reason": self.native_finish_reason,
            "logprobs": {key: list(value) for key, value in self._logprobs.items()} or None,
        }
        body = {**self._metadata, "object": "chat.completion", "choices": [choice]}
        if self.usage is not None:
            body["usage"] = dict(self.usage)
        return body

    def snapshot(self) -> ChatResponse:
        """The response assembled so far (used as ``.partial`` on errors): the merged body, decoded."""
        body = self.merged()
        response = response_from(body, raw=body)
        adopt_emitted_calls(response.content.parts, self._tool_parts)
        return response

    def finish(self) -> ChatResponse:
        """The final response. A stream that never reported a finish reason is an error, not a success."""
        if self.finish_reason is None:
            raise IncompleteStreamError(
                "the stream ended before the model finished (no finish_reason received)",
                partial=self.snapshot(),
                generation_id=self.id,
            )
        return self.snapshot()

    # -- chunks -----------------------------------------------------------------------------------------
    def _merge_metadata(self, chunk: Mapping[str, Any]) -> None:
        metadata = self._metadata
        for key, value in chunk.items():
            if value is None or key in _NOT_METADATA or (key in _FIRST_WINS and key in metadata):
                continue
            if key in metadata or len(metadata) < _MAX_METADATA_FIELDS:
                metadata[key] = value
        self._settled = _NOT_METADATA | (_FIRST_WINS & metadata.keys())

    def _call_part(self, acc: ToolCallAccumulator) -> ToolPart:
        """The part a complete call becomes -- exactly what the final response decodes it to."""
        return tool_part_from_call(acc.to_json(), acc.position)

    def _handle_delta(
        self, delta: Mapping[str, Any], logprobs: Mapping[str, Any] | None, events: list[StreamEvent]
    ) -> None:
        content = delta.get("content")
        if content:
            text = content_text(content)
            if text:
                self._text.append(text)
                tokens = logprobs.get("content") if logprobs is not None else None
                if isinstance(tokens, list) and tokens:
                    self._logprobs.setdefault("content", []).extend(tokens)
                    events.append(TextChunk(text, tuple(token_logprobs(tokens))))
                else:
                    events.append(TextChunk(text))
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            self._refusal.append(refusal)
            tokens = logprobs.get("refusal") if logprobs is not None else None
            if isinstance(tokens, list) and tokens:
                self._logprobs.setdefault("refusal", []).extend(tokens)
            events.append(RefusalChunk(refusal))

        reasoning = delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            self._reasoning.append(reasoning)  # the merged message has every piece, whichever source speaks
            if self._reasoning_source != "details":
                self._reasoning_source = "string"
                events.append(ReasoningChunk(reasoning))
        details = delta.get("reasoning_details")
        if isinstance(details, list):
            for fragment in details:
                if isinstance(fragment, Mapping):
                    self._merge_detail(fragment, events)

        tool_calls = delta.get("tool_calls")
        if isinstance(tool_calls, list):
            for position, call in enumerate(tool_calls):
                if isinstance(call, Mapping):
                    self._merge_tool_call(call, position, len(tool_calls), events)

        annotations = delta.get("annotations")
        if isinstance(annotations, list):
            for annotation in annotations:
                # Some upstreams repeat the citation list on later chunks: keep each annotation once.
                if isinstance(annotation, dict) and annotation not in self._annotations:
                    self._annotations.append(annotation)

        images = delta.get("images")
        if isinstance(images, list):
            self._images.extend(image for image in images if isinstance(image, dict))

        audio = delta.get("audio")
        if isinstance(audio, Mapping):
            self._merge_audio(audio, events)

    def _merge_audio(self, audio: Mapping[str, Any], events: list[StreamEvent]) -> None:
        data = audio_bytes(audio.get("data"))
        transcript = as_str(audio.get("transcript")) or ""
        for key in ("id", "expires_at"):
            if audio.get(key) is not None:
                self._audio_meta.setdefault(key, audio[key])
        if self._audio is None:
            self._audio = bytearray()
        self._audio += data
        if transcript:
            self._audio_transcript.append(transcript)
        if data or transcript:
            events.append(AudioChunk(data, transcript))

    def _merge_detail(self, fragment: Mapping[str, Any], events: list[StreamEvent]) -> None:
        kind = fragment.get("type")
        index = opt_int(fragment.get("index"))
        acc: DetailAccumulator | None
        if index is not None:
            acc = self._details_by_key.get((index, kind))
            if acc is None:
                acc = self._details_by_key[(index, kind)] = DetailAccumulator()
                self._details.append(acc)
        else:
            # No index: a text/summary fragment continues the previous entry of its type; anything
            # else (an encrypted blob) is a whole entry of its own.
            last = self._details[-1] if self._details else None
            if last is not None and last.type == kind and kind in ("reasoning.text", "reasoning.summary"):
                acc = last
            else:
                acc = DetailAccumulator()
                self._details.append(acc)
        had_text = acc.has_text
        text = acc.merge(fragment)
        if not text:
            return
        acc.has_text = True
        if self._reasoning_source != "string":
            self._reasoning_source = "details"
            if not had_text and self._reasoning_emitted:
                text = TEXT_SEPARATOR + text  # a new entry: separated as the non-stream decoder does
            self._reasoning_emitted = True
            events.append(ReasoningChunk(text))

    def _merge_tool_call(
        self, call: Mapping[str, Any], position: int, count: int, events: list[StreamEvent]
    ) -> None:
        index = opt_int(call.get("index"))
        call_id = as_str(call.get("id")) or None
        acc: ToolCallAccumulator | None
        if index is not None:
            acc = self._tools_by_index.get(index)
            if acc is not None and call_id is not None and acc.call_id is not None and call_id != acc.call_id:
                acc = None  # the upstream reused an index for a different call (§5.3)
        elif call_id is not None:
            acc = self._tools_by_id.get(call_id)
        elif self._tools:
            # Neither index nor id: a lone fragment continues the latest call; several fragments in one
            # delta map by their position.
            acc = self._tools[position] if count > 1 and position < len(self._tools) else self._tools[-1]
        else:
            acc = None
        if acc is None:
            if len(self._tools) >= self.max_tool_calls:
                raise DecodeError(
                    f"the stream opened more than {self.max_tool_calls} tool calls",
                    partial=self.snapshot(),
                )
            acc = ToolCallAccumulator(len(self._tools), call_id, index)
            self._tools.append(acc)
        if index is not None:
            self._tools_by_index[index] = acc
        if call_id is not None:
            if acc.call_id is None:
                acc.call_id = call_id
            self._tools_by_id.setdefault(call_id, acc)

        function = call.get("function")
        fragment = ""
        if isinstance(function, Mapping):
            name = function.get("name")
            if isinstance(name, str) and name and not acc.name:
                acc.name = name
            fragment = raw_arguments(function.get("arguments"))
            acc.arguments.append(fragment)
        events.append(ToolCallChunk(acc.position, acc.call_id, acc.name or None, fragment))

