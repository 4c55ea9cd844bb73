"""The Chat Completions codec: core objects <-> ``/chat/completions`` JSON. Pure: no I/O, no clocks.

Three entry points, used by :class:`~chat_openrouter.wire.completions.client.CompletionsClient`:

* :func:`encode_request` turns a conversation, tools and options into the request body;
* :func:`decode_response` turns a non-streaming body into a :class:`~chat_openrouter.ChatResponse`;
* :class:`CompletionsStreamState` folds streamed chunks (one SSE ``data`` payload at a time) into stream
  events and, at the end, the same :class:`~chat_openrouter.ChatResponse`.

Writing is strict (every body validates against the spec's ``ChatRequest``); reading is lenient: unknown
fields, unknown finish reasons and missing sub-objects never crash. Errors delivered inside an HTTP 200
(a top-level ``error``, ``finish_reason: "error"``) raise :class:`~chat_openrouter.errors.StreamError`
carrying what was decoded so far as ``.partial``. Section numbers (§) refer to the OpenRouter reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from ...core._lenient import as_mapping, as_str, dicts, opt_int
from ...core._wire_helpers import (
    audio_format,
    inline_base64,
    inline_filename,
    is_inline,
    json_text,
    parse_payload,
    part_text,
    raw_arguments,
    require_object,
    tool_part,
    usage_from,
)
from ...core.events import ReasoningChunk, StreamEvent, TextChunk, ToolCall, ToolCallChunk
from ...core.messages import Content, Messages
from ...core.options import ChatOptions, OutputSchema
from ...core.parts import (
    FilePart,
    Part,
    ReasoningPart,
    Role,
    StructuredPart,
    TextPart,
    ToolPart,
)
from ...core.reasoning import TEXT_SEPARATOR
from ...core.response import ChatResponse, normalise_finish_reason
from ...core.tools import ToolLike, ToolSpec
from ...core.usage import Usage
from ...errors import DecodeError, IncompleteStreamError, StreamError
from ...errors.mapping import stream_error_from_object
from .types import (
    ChatAudioPart,
    ChatContentPart,
    ChatFilePart,
    ChatImagePart,
    ChatMessage,
    ChatTextPart,
    ChatToolCall,
    ChatVideoPart,
    ReasoningDetail,
)

__all__ = [
    "CompletionsStreamState",
    "decode_response",
    "decode_usage",
    "encode_messages",
    "encode_request",
    "encode_tool",
]

# ======================================================================================================
# Encoding
# ======================================================================================================


def encode_request(
    messages: Messages | Sequence[Content],
    *,
    model: str | None,
    tools: Sequence[ToolLike] | None,
    options: ChatOptions,
    output: OutputSchema | None,
    stream: bool,
) -> dict[str, Any]:
    """The ``/chat/completions`` request body for a conversation.

    ``options`` is already merged (client defaults + per-call); fields left None are not sent, because
    OpenRouter does not default absent parameters (reference §3.1). ``options.extra_body`` is merged last,
    so its top-level keys override anything computed here (``models``, ``provider``, ``plugins`` ...).

    >>> from chat_openrouter import messages
    >>> encode_request(messages.from_user("Hi"), model="openai/gpt-4o", tools=None,
    ...                options=ChatOptions(max_tokens=50), output=None, stream=False)
    {'model': 'openai/gpt-4o', 'messages': [{'role': 'user', 'content': 'Hi'}], 'max_completion_tokens': 50}
    """
    body: dict[str, Any] = {}
    if model is not None:
        body["model"] = model
    body["messages"] = encode_messages(messages)
    if tools:
        body["tools"] = [encode_tool(tool) for tool in tools]
    _encode_options(body, options)
    if output is not None:
        schema: dict[str, Any] = {"name": output.name, "schema": output.schema, "strict": output.strict}
        if output.description is not None:
            schema["description"] = output.description
        body["response_format"] = {"type": "json_schema", "json_schema": schema}
    if stream:
        # Usage (with cost) arrives in the last chunk without asking: `stream_options` is deprecated (§3.1).
        body["stream"] = True
    if options.extra_body:
        body.update(options.extra_body)
    return body


def _encode_options(body: dict[str, Any], options: ChatOptions) -> None:
    if options.temperature is not None:
        body["temperature"] = options.temperature
    if options.top_p is not None:
        body["top_p"] = options.top_p
    if options.max_tokens is not None:
        # `max_tokens` is deprecated on this wire in favour of `max_completion_tokens` (spec ChatRequest).
        body["max_completion_tokens"] = options.max_tokens
    if options.stop is not None:
        body["stop"] = options.stop if isinstance(options.stop, str) else list(options.stop)
    if options.seed is not None:
        body["seed"] = options.seed
    if options.tool_choice is not None:
        body["tool_choice"] = _encode_tool_choice(options.tool_choice)
    if options.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = options.parallel_tool_calls
    if options.user is not None:
        body["user"] = options.user
    if options.reasoning is not None:
        # OpenRouter's unified `reasoning` object is valid on this wire too (the Rust crate dropped it).
        body["reasoning"] = options.reasoning.to_json()


def _encode_tool_choice(choice: str | Mapping[str, Any]) -> str | dict[str, Any]:
    """``tool_choice`` in Chat's form.

    The neutral named choice ``{"type": "function", "name": X}`` becomes Chat's nested
    ``{"type": "function", "function": {"name": X}}``; strings and any other dict (e.g.
    ``{"type": "openrouter:web_search"}``) pass through unchanged.
    """
    if isinstance(choice, str):
        return choice
    if choice.get("type") == "function" and "function" not in choice and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    return dict(choice)


def encode_tool(tool: ToolLike) -> dict[str, Any]:
    """A :class:`ToolSpec` as a Chat function tool; a dict (a server tool) is passed through verbatim."""
    if not isinstance(tool, ToolSpec):
        return dict(tool)
    function: dict[str, Any] = {"name": tool.name}
    if tool.description is not None:
        function["description"] = tool.description
    function["parameters"] = tool.parameters
    if tool.strict is not None:
        function["strict"] = tool.strict
    # `extra` goes at the tool's top level: that is where Chat puts `cache_control` (spec ChatFunctionTool).
    return {"type": "function", "function": function, **tool.extra}


def encode_messages(messages: Iterable[Content]) -> list[ChatMessage]:
    """Every turn as Chat messages. A model turn can become several messages (see :func:`_encode_model`)."""
    out: list[ChatMessage] = []
    for content in messages:
        if content.role == Role.MODEL:
            out.extend(_encode_model(content.parts))
        elif content.role == Role.SYSTEM:
            out.append({"role": "system", "content": _encode_user_content(content.parts, system=True)})
        else:
            out.append({"role": "user", "content": _encode_user_content(content.parts, system=False)})
    if not out:
        raise ValueError("cannot send an empty conversation: add at least one message")
    return out


def _encode_user_content(parts: Sequence[Part], *, system: bool) -> str | list[ChatContentPart]:
    role = "system" if system else "user"
    items: list[ChatContentPart] = []
    texts: list[str] = []
    plain = True  # a single uncached text part goes out as a plain string, like every OpenAI client sends
    for part in parts:
        if isinstance(part, (TextPart, StructuredPart)):
            text = part_text(part)
            texts.append(text)
            text_item: ChatTextPart = {"type": "text", "text": text}
            if isinstance(part, TextPart) and part.cache_control is not None:
                text_item["cache_control"] = part.cache_control
                plain = False
            items.append(text_item)
        elif isinstance(part, FilePart):
            if system:
                # Spec ChatSystemMessage: system content parts are text only.
                raise ValueError(
                    "a system message can only hold text on Chat Completions; send files as user"
                )
            items.append(_encode_file(part))
            plain = False
        else:
            raise ValueError(f"a {role} message cannot hold a {part.kind} part (only the model's turn can)")
    if not items:
        return ""
    if plain and len(texts) == 1:
        return texts[0]
    # Several text parts stay separate parts: joining them would invent (or drop) a separator.
    return items


def _encode_file(part: FilePart) -> ChatContentPart:
    category = part.category
    if category == "image":
        image: ChatImagePart = {"type": "image_url", "image_url": {"url": part.data_url()}}
        if part.detail is not None:
            image["image_url"]["detail"] = part.detail
        if part.cache_control is not None:
            image["cache_control"] = part.cache_control
        return image
    if category == "audio":
        return _encode_audio(part)
    if category == "video":
        video: ChatVideoPart = {"type": "video_url", "video_url": {"url": part.data_url()}}
        return video
    file: ChatFilePart = {"type": "file", "file": {}}
    # A file by https URL keeps the name it was given (or none); inline data always gets one.
    filename = inline_filename(part) if is_inline(part) else part.filename
    if filename is not None:
        file["file"]["filename"] = filename
    file["file"]["file_data"] = part.data_url()
    if part.cache_control is not None:
        file["cache_control"] = part.cache_control
    return file


def _encode_audio(part: FilePart) -> ChatAudioPart:
    """Audio goes inline as base64 (``input_audio``): the wire has no audio-by-URL part."""
    data = inline_base64(part)
    if data is None:
        raise ValueError(
            "Chat Completions accepts audio only as inline data (input_audio); "
            "load it with FilePart.from_bytes/from_path instead of a URL"
        )
    return {"type": "input_audio", "input_audio": {"data": data, "format": _audio_format(part.mime_type)}}


def _audio_format(mime_type: str) -> str:
    """The spec's name for a known type; else the MIME subtype (``audio/x-opus`` -> ``opus``), so a format
    newer than the spec still reaches providers that take it."""
    known = audio_format(mime_type)
    if known is not None:
        return known
    subtype = mime_type.split(";", 1)[0].strip().lower().split("/", 1)[-1]
    return subtype[2:] if subtype.startswith("x-") else subtype


def _encode_model(parts: Sequence[Part]) -> list[ChatMessage]:
    """A model turn as ``assistant`` messages, each followed by its ``tool`` result messages.

    Order is preserved: when the turn continues after tool results (text or reasoning following a tool
    part that has a result, as when a later step is appended to the same turn), a new assistant message
    starts. Consecutive tool parts stay in one message: they are parallel calls of one step.
    """
    out: list[ChatMessage] = []
    segment: list[Part] = []
    results: list[ToolPart] = []
    for part in parts:
        if results and not isinstance(part, ToolPart):
            out.append(_assistant_message(segment))
            out.extend(_tool_message(p) for p in results)
            segment, results = [], []
        segment.append(part)
        if isinstance(part, ToolPart) and part.has_result:
            results.append(part)
    if segment or not out:
        out.append(_assistant_message(segment))
        out.extend(_tool_message(p) for p in results)
    return out


def _assistant_message(parts: Sequence[Part]) -> ChatMessage:
    texts: list[TextPart] = []
    tool_calls: list[ChatToolCall] = []
    details: list[dict[str, Any]] = []
    plain_reasoning: list[str] = []
    annotations: list[dict[str, Any]] = []
    images: list[FilePart] = []
    for part in parts:
        if isinstance(part, TextPart):
            texts.append(part)
            annotations.extend(part.annotations)
        elif isinstance(part, StructuredPart):
            texts.append(TextPart(json_text(part.value)))
        elif isinstance(part, ReasoningPart):
            if part.details:
                # Verbatim, in order (§3.3): encrypted blobs and signatures must round-trip untouched.
                details.extend(part.details)
            elif part.text:
                plain_reasoning.append(part.text)
        elif isinstance(part, ToolPart):
            tool_calls.append(
                {
                    "id": part.id,
                    "type": "function",
                    "function": {"name": part.name, "arguments": part.raw_arguments or "{}"},
                }
            )
        elif part.category == "image":
            images.append(part)  # an image-output model's picture goes back where it came from
        else:
            raise ValueError(
                f"a model turn can carry only image files on Chat Completions (got {part.mime_type})"
            )
    message: ChatMessage = {"role": "assistant"}
    if any(t.cache_control is not None for t in texts):
        items: list[ChatContentPart] = []
        for t in texts:
            item: ChatTextPart = {"type": "text", "text": t.text}
            if t.cache_control is not None:
                item["cache_control"] = t.cache_control
            items.append(item)
        message["content"] = items
    elif texts:
        message["content"] = "".join(t.text for t in texts)
    else:
        # null only alongside tool calls; a reasoning-only turn still needs a string for most providers.
        message["content"] = None if tool_calls else ""
    if tool_calls:
        message["tool_calls"] = tool_calls
    if details:
        message["reasoning_details"] = cast("list[ReasoningDetail]", details)
    if plain_reasoning:
        message["reasoning"] = "".join(plain_reasoning)
    if annotations:
        # Sending file annotations back lets OpenRouter skip re-parsing the PDF (§4).
        message["annotations"] = annotations
    if images:
        message["images"] = [{"type": "image_url", "image_url": {"url": f.data_url()}} for f in images]
    return message


def _tool_message(part: ToolPart) -> ChatMessage:
    return {"role": "tool", "tool_call_id": part.id, "content": part.output_text()}


# ======================================================================================================
# Decoding: helpers
# ======================================================================================================


def decode_usage(usage: Any) -> Usage:
    """``usage`` as :class:`~chat_openrouter.Usage`; absent fields read as 0 or None (§4.2)."""
    if not isinstance(usage, Mapping):
        return Usage()
    return usage_from(
        usage,
        input_tokens=usage.get("prompt_tokens"),
        output_tokens=usage.get("completion_tokens"),
        input_details=usage.get("prompt_tokens_details"),
        output_details=usage.get("completion_tokens_details"),
    )


def _detail_text(detail: Mapping[str, Any]) -> str:
    """The readable text of one reasoning detail (``text`` or ``summary``; encrypted ones have none)."""
    text = detail.get("text")
    if not isinstance(text, str):
        text = detail.get("summary")
    return text if isinstance(text, str) else ""


def _last_signature(details: Sequence[Mapping[str, Any]]) -> str | None:
    for detail in reversed(details):
        signature = detail.get("signature")
        if isinstance(signature, str) and signature:
            return signature
    return None


def _content_text(content: Any) -> str:
    """``content`` is a string; a few upstreams send an array of text parts instead."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p["text"] for p in content if isinstance(p, Mapping) and isinstance(p.get("text"), str)
        )
    return ""


def _image_parts(images: Any) -> list[FilePart]:
    """``message.images[]`` from image-output models, as URL file parts."""
    out: list[FilePart] = []
    if isinstance(images, list):
        for image in images:
            url = as_str(as_mapping(as_mapping(image).get("image_url")).get("url"))
            if url:
                out.append(FilePart.from_url(url))
    return out


def _failure(
    error: Any,
    choice: Mapping[str, Any],
    *,
    partial: ChatResponse,
    body: Any,
    generation_id: str | None,
) -> StreamError:
    """The StreamError for an error inside a 200: an ``error`` object or ``finish_reason: "error"``."""
    native = as_str(choice.get("native_finish_reason"))
    fallback = "the model call failed (finish_reason 'error'" + (
        f", native_finish_reason {native!r})" if native else ")"
    )
    err = error if isinstance(error, Mapping) else None
    return stream_error_from_object(
        err, partial=partial, body=body, fallback=fallback, generation_id=generation_id
    )


# ======================================================================================================
# Decoding: non-streaming
# ======================================================================================================


def decode_response(body: Any, *, generation_id: str | None = None) -> ChatResponse:
    """A non-streaming ``/chat/completions`` body as a :class:`~chat_openrouter.ChatResponse`.

    ``generation_id`` (the ``X-Generation-Id`` header) is used when the body has no ``id``.

    Raises:
        DecodeError: the body is not a JSON object.
        StreamError: the 200 body carries a top-level ``error`` or a choice with ``finish_reason:
            "error"`` (reference §4); ``.partial`` holds whatever content came with it.
    """
    body = require_object(body, "a chat completion must be a JSON object")
    choices = body.get("choices")
    choice: Mapping[str, Any] = {}
    if isinstance(choices, list) and choices:
        choice = as_mapping(choices[0])
    message = as_mapping(choice.get("message"))
    response_id = as_str(body.get("id")) or generation_id
    raw_finish = as_str(choice.get("finish_reason"))
    response = ChatResponse(
        content=Content(Role.MODEL, _message_parts(message)),
        id=response_id,
        model=as_str(body.get("model")),
        provider=as_str(body.get("provider")),
        finish_reason=normalise_finish_reason(raw_finish),
        native_finish_reason=as_str(choice.get("native_finish_reason")),
        usage=decode_usage(body.get("usage")),
        created=opt_int(body.get("created")),
        raw=dict(body),
    )
    error = body.get("error")
    if isinstance(error, Mapping):
        raise _failure(error, choice, partial=response, body=body, generation_id=response_id)
    if raw_finish == "error":
        raise _failure(choice.get("error"), choice, partial=response, body=body, generation_id=response_id)
    return response


def _message_parts(message: Mapping[str, Any]) -> list[Part]:
    parts: list[Part] = []
    details = dicts(message.get("reasoning_details"))
    reasoning_text = as_str(message.get("reasoning")) or ""
    if not reasoning_text and details:
        # Some providers fill only `reasoning_details`: read the text from there.
        reasoning_text = TEXT_SEPARATOR.join(t for t in map(_detail_text, details) if t)
    if reasoning_text or details:
        parts.append(ReasoningPart(text=reasoning_text, signature=_last_signature(details), details=details))
    text = _content_text(message.get("content"))
    annotations = dicts(message.get("annotations"))
    if text or annotations:
        parts.append(TextPart(text, annotations=annotations))
    tool_calls = message.get("tool_calls")
    if isinstance(tool_calls, list):
        for position, call in enumerate(tool_calls):
            call = as_mapping(call)
            function = as_mapping(call.get("function"))
            parts.append(
                tool_part(
                    as_str(call.get("id")) or f"call_{position}",
                    as_str(function.get("name")) or "",
                    raw_arguments(function.get("arguments")),
                )
            )
    parts.extend(_image_parts(message.get("images")))
    return parts


# ======================================================================================================
# Decoding: streaming
# ======================================================================================================


class _ToolCallAccumulator:
    """One tool call being streamed: fragments are kept in a list and joined once."""

    __slots__ = ("arguments", "call_id", "emitted", "name", "part", "position")

    def __init__(self, position: int, call_id: str | None) -> None:
        self.position = position
        self.call_id = call_id
        self.name = ""
        self.arguments: list[str] = []
        self.emitted = False
        self.part: ToolPart | None = None  # built once the call is complete, then shared with ToolCall

    def build(self) -> ToolPart:
        if self.part is None:
            self.part = tool_part(self.call_id or f"call_{self.position}", self.name, "".join(self.arguments))
        return self.part


class _DetailAccumulator:
    """One ``reasoning_details`` entry merged from its streamed fragments (§5.3).

    ``text``/``summary`` fragments are appended; other fields keep the first value unless a later
    fragment brings a non-empty one (the Anthropic ``signature`` arrives in its own fragment with empty
    text; encrypted ``data`` arrives whole). Key order is that of the first fragment.
    """

    __slots__ = ("fields", "has_text", "summary", "text")

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.text: list[str] = []
        self.summary: list[str] = []
        self.has_text = False  # whether any non-empty text has been appended (for "\n\n" separators)

    @property
    def type(self) -> Any:
        return self.fields.get("type")

    def merge(self, fragment: Mapping[str, Any]) -> str:
        """Fold one fragment in; return its new readable text ("" if none)."""
        new_text = ""
        fields = self.fields
        for key, value in fragment.items():
            if key == "text" or key == "summary":
                if key not in fields:
                    fields[key] = value  # placeholder keeps the key order; replaced in build()
                if isinstance(value, str) and value:
                    (self.text if key == "text" else self.summary).append(value)
                    new_text += value
            elif key not in fields or (value is not None and value != ""):
                fields[key] = value
        return new_text

    def build(self) -> dict[str, Any]:
        detail = dict(self.fields)
        if "text" in detail:
            detail["text"] = "".join(self.text) if self.text else detail["text"]
        if "summary" in detail:
            detail["summary"] = "".join(self.summary) if self.summary else detail["summary"]
        return detail


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

    ``max_tool_calls`` bounds how many distinct tool calls one stream may open (hostile or broken
    upstreams); going over raises :class:`~chat_openrouter.errors.DecodeError`.
    """

    def __init__(self, *, max_tool_calls: int = 256) -> None:
        self.max_tool_calls = max_tool_calls
        self.id: str | None = None
        self.model: str | None = None
        self.provider: str | None = None
        self.created: int | None = None
        self.finish_reason: str | None = None
        self.native_finish_reason: str | None = None
        self.usage: Mapping[str, Any] | None = None
        self._text: list[str] = []
        self._reasoning: list[str] = []
        # Which source feeds ReasoningChunk: "string" (delta.reasoning) or "details" (only when a
        # provider streams nothing but reasoning_details). Both carry the same text, so never both.
        self._reasoning_source: str | None = None
        self._details: list[_DetailAccumulator] = []
        self._details_by_key: dict[tuple[int, Any], _DetailAccumulator] = {}
        self._annotations: list[dict[str, Any]] = []
        self._images: list[str] = []
        self._tools: list[_ToolCallAccumulator] = []
        self._tools_by_index: dict[int, _ToolCallAccumulator] = {}
        self._tools_by_id: dict[str, _ToolCallAccumulator] = {}

    # -- StreamState ------------------------------------------------------------------------------------
    def handle(self, data: str) -> list[StreamEvent]:
        """Decode one chunk and return its events.

        Raises :class:`StreamError` on an in-band error and :class:`DecodeError` on invalid JSON.
        """
        chunk = parse_payload(data, what="a stream chunk", partial=self.snapshot)
        if not isinstance(chunk, dict):
            return []  # lenient: nothing we know how to read
        if self.id is None:
            self.id = as_str(chunk.get("id"))
        if self.model is None:
            self.model = as_str(chunk.get("model"))
        if self.provider is None:
            self.provider = as_str(chunk.get("provider"))
        if self.created is None:
            self.created = opt_int(chunk.get("created"))
        usage = chunk.get("usage")
        if isinstance(usage, Mapping):
            self.usage = usage

        events: list[StreamEvent] = []
        failed_choice: Mapping[str, Any] | None = None
        choices = chunk.get("choices")
        if isinstance(choices, list):  # `[]` on usage and debug chunks (§5.2)
            for choice in choices:
                if not isinstance(choice, Mapping) or choice.get("index") not in (0, None):
                    continue  # n > 1 is not modelled: follow the first choice only
                delta = choice.get("delta")
                if isinstance(delta, Mapping):
                    self._handle_delta(delta, events)
                finish = choice.get("finish_reason")
                if isinstance(finish, str):
                    self.finish_reason = normalise_finish_reason(finish)
                    native = choice.get("native_finish_reason")
                    if isinstance(native, str):
                        self.native_finish_reason = native
                    if finish == "error":
                        failed_choice = choice

        error = chunk.get("error")
        if isinstance(error, Mapping) or failed_choice is not None:
            # Any chunk with a top-level `error` is terminal (§5.5), whatever its finish_reason says.
            choice = failed_choice or {}
            raise _failure(
                error if isinstance(error, Mapping) else choice.get("error"),
                choice,
                partial=self.snapshot(),
                body=chunk,
                generation_id=self.id,
            )
        if self.finish_reason is not None:
            # Calls are complete once a finish reason arrived; `finish_reason: "tool_calls"` can come
            # twice (agno-agi/agno#8880), the `emitted` flag keeps ToolCall to once per call.
            for acc in self._tools:
                if not acc.emitted:
                    acc.emitted = True
                    events.append(ToolCall(acc.build()))
        return events

    def snapshot(self) -> ChatResponse:
        """The response assembled so far (used as ``.partial`` on errors).

        Content parts come in a fixed order: reasoning, text, tool calls, images. ``raw`` is None: a
        stream has no single body (the usage chunk is kept verbatim in ``usage.raw``).
        """
        parts: list[Part] = []
        details = [acc.build() for acc in self._details]
        reasoning = "".join(self._reasoning)
        if reasoning or details:
            parts.append(ReasoningPart(text=reasoning, signature=_last_signature(details), details=details))
        text = "".join(self._text)
        if text or self._annotations:
            parts.append(TextPart(text, annotations=list(self._annotations)))
        # Finished calls keep one shared ToolPart (the one in the ToolCall event); others are rebuilt.
        parts.extend(acc.build() if acc.emitted else _fresh(acc) for acc in self._tools)
        parts.extend(FilePart.from_url(url) for url in self._images)
        return ChatResponse(
            content=Content(Role.MODEL, parts),
            id=self.id,
            model=self.model,
            provider=self.provider,
            finish_reason=self.finish_reason,
            native_finish_reason=self.native_finish_reason,
            usage=decode_usage(self.usage),
            created=self.created,
            raw=None,
        )

    def finish(self) -> ChatResponse:
        """The final response. A stream that never reported a finish reason is an error, not a success."""
        if self.finish_reason is None:
            raise IncompleteStreamError(
                "the stream ended before the model finished (no finish_reason received)",
                partial=self.snapshot(),
                generation_id=self.id,
            )
        return self.snapshot()

    # -- deltas -----------------------------------------------------------------------------------------
    def _handle_delta(self, delta: Mapping[str, Any], events: list[StreamEvent]) -> None:
        content = delta.get("content")
        if content:
            text = content if isinstance(content, str) else _content_text(content)
            if text:
                self._text.append(text)
                events.append(TextChunk(text))

        reasoning = delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning and self._reasoning_source != "details":
            self._reasoning_source = "string"
            self._reasoning.append(reasoning)
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
            self._images.extend(p.url for p in _image_parts(images) if p.url)

    def _merge_detail(self, fragment: Mapping[str, Any], events: list[StreamEvent]) -> None:
        kind = fragment.get("type")
        index = opt_int(fragment.get("index"))
        acc: _DetailAccumulator | None
        if index is not None:
            acc = self._details_by_key.get((index, kind))
            if acc is None:
                acc = self._details_by_key[(index, kind)] = _DetailAccumulator()
                self._details.append(acc)
        else:
            # No index: a text/summary fragment continues the previous entry of its type; anything
            # else (an encrypted blob) is a whole entry of its own.
            last = self._details[-1] if self._details else None
            if last is not None and last.type == kind and kind in ("reasoning.text", "reasoning.summary"):
                acc = last
            else:
                acc = _DetailAccumulator()
                self._details.append(acc)
        had_text = acc.has_text
        text = acc.merge(fragment)
        if text and self._reasoning_source != "string":
            self._reasoning_source = "details"
            if not had_text and self._reasoning:
                text = TEXT_SEPARATOR + text  # a new entry: separate it as the non-stream decoder does
            acc.has_text = True
            self._reasoning.append(text)
            events.append(ReasoningChunk(text))
        elif text:
            acc.has_text = True

    def _merge_tool_call(
        self, call: Mapping[str, Any], position: int, count: int, events: list[StreamEvent]
    ) -> None:
        index = opt_int(call.get("index"))
        call_id = as_str(call.get("id")) or None
        acc: _ToolCallAccumulator | None
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
            acc = _ToolCallAccumulator(len(self._tools), call_id)
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
            if fragment:
                acc.arguments.append(fragment)
                acc.part = None  # arguments changed: rebuild the part
        events.append(ToolCallChunk(acc.position, acc.call_id, acc.name or None, fragment))


def _fresh(acc: _ToolCallAccumulator) -> ToolPart:
    """A throw-away part for a call still streaming (snapshots must not freeze it)."""
    return tool_part(acc.call_id or f"call_{acc.position}", acc.name, "".join(acc.arguments))
