"""The Responses API codec: core objects <-> ``/responses`` JSON. Pure: no I/O, no clocks.

Three entry points, used by :class:`~chat_openrouter.wire.responses.client.ResponsesClient`:

* :func:`encode_request` turns a conversation, tools and options into the request body;
* :func:`decode_response` turns a non-streaming body into a :class:`~chat_openrouter.ChatResponse`;
* :class:`ResponsesStreamState` folds stream events (one SSE ``data`` payload at a time) into stream
  events and, at the end, the same :class:`~chat_openrouter.ChatResponse`.

OpenRouter's Responses API is **stateless** (reference §6): every request carries the whole conversation
in ``input``, ``store`` is always ``false`` and ``previous_response_id`` is never sent -- the encoder
refuses to produce either. Reasoning is replayed as self-contained ``reasoning`` items (summary, raw text,
encrypted content), never as an id a stateless server cannot resolve; see
:mod:`~chat_openrouter.core.reasoning`.

Writing is strict (every body validates against the spec's ``ResponsesRequest``); reading is lenient:
unknown item types, unknown event types (keep-alives), unknown statuses and missing sub-objects never
crash. Failures delivered inside an HTTP 200 (``status: "failed"``, a ``response.failed`` / ``error`` /
``response.error`` event, an ``error`` object in the body) raise :class:`~chat_openrouter.errors.StreamError`
carrying what was decoded so far as ``.partial``. Section numbers (§) refer to the OpenRouter reference.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from ...core._lenient import as_int, as_mapping, as_str, dicts, opt_int
from ...core._wire_helpers import (
    audio_format,
    inline_base64,
    inline_filename,
    is_inline,
    parse_payload,
    part_text,
    raw_arguments,
    require_object,
    tool_part,
    usage_from,
)
from ...core.events import ReasoningChunk, StreamEvent, TextChunk, ToolCall, ToolCallChunk
from ...core.messages import Content, Messages
from ...core.options import ChatOptions, OutputSchema, Reasoning
from ...core.parts import (
    FilePart,
    Part,
    ReasoningPart,
    Role,
    StructuredPart,
    TextPart,
    ToolPart,
)
from ...core.reasoning import TEXT_SEPARATOR, part_from_item, reasoning_text, replay_items
from ...core.response import ChatResponse, normalise_finish_reason
from ...core.tools import ToolLike, ToolSpec
from ...core.usage import Usage
from ...errors import DecodeError, IncompleteStreamError, StreamError
from ...errors.mapping import stream_error_from_object
from .types import (
    FunctionCallItem,
    FunctionCallOutputItem,
    ImageGenerationCallItem,
    InputAudioPart,
    InputContentPart,
    InputFilePart,
    InputImagePart,
    InputItem,
    InputMessage,
    InputTextPart,
    InputVideoPart,
    OutputContentPart,
    OutputMessage,
    ReasoningItem,
)

__all__ = [
    "ResponsesStreamState",
    "decode_response",
    "decode_usage",
    "encode_input",
    "encode_request",
    "encode_tool",
]

#: What the encoder asks for so that reasoning can be replayed on a stateless server
#: (reference §6.1, §11.8).
ENCRYPTED_REASONING = "reasoning.encrypted_content"


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
    """The ``/responses`` request body for a conversation.

    ``options`` is already merged (client defaults + per-call); fields left None are not sent, because
    OpenRouter does not default absent parameters. ``options.extra_body`` is merged last, so its top-level
    keys override anything computed here (``models``, ``provider``, ``plugins``, ``include`` ...) -- except
    that the result must stay stateless: ``store: true`` or a ``previous_response_id`` raise ``ValueError``.

    >>> from chat_openrouter import messages
    >>> encode_request(  # doctest: +NORMALIZE_WHITESPACE
    ...     messages.from_user("Hi"), model="openai/gpt-4o", tools=None,
    ...     options=ChatOptions(max_tokens=50), output=None, stream=False)
    {'model': 'openai/gpt-4o', 'input': [{'type': 'message', 'role': 'user', 'content': 'Hi'}],
     'max_output_tokens': 50, 'include': ['reasoning.encrypted_content'], 'store': False}
    """
    body: dict[str, Any] = {}
    if model is not None:
        body["model"] = model
    body["input"] = encode_input(messages)
    if tools:
        body["tools"] = [encode_tool(tool) for tool in tools]
    _encode_options(body, options)
    if output is not None:
        # Structured output lives in `text.format`, flat (not Chat's `response_format.json_schema`; §6).
        fmt: dict[str, Any] = {
            "type": "json_schema",
            "name": output.name,
            "schema": output.schema,
            "strict": output.strict,
        }
        if output.description is not None:
            fmt["description"] = output.description
        body["text"] = {"format": fmt}
    if _reasoning_possible(options.reasoning):
        # The server keeps nothing between turns, so the reasoning of a tool loop survives only if the
        # encrypted blob comes back to us and we replay it (§6.1, §11.8). OpenRouter accepts `include` on
        # any request (fixture responses-nonstream-prompt-cache-write sends it without a reasoning config),
        # and models reason by default (o-series, GPT-5), so it is asked for unless reasoning is turned off.
        body["include"] = [ENCRYPTED_REASONING]
    body["store"] = False  # the only value OpenRouter accepts (spec ResponsesRequest.store: const false)
    if stream:
        body["stream"] = True
    if options.extra_body:
        body.update(options.extra_body)
    _check_stateless(body)
    return body


def _reasoning_possible(reasoning: Reasoning | None) -> bool:
    return reasoning is None or (reasoning.effort != "none" and reasoning.enabled is not False)


def _check_stateless(body: Mapping[str, Any]) -> None:
    if body.get("previous_response_id") is not None:
        raise ValueError(
            "previous_response_id is not supported: OpenRouter's Responses API is stateless "
            "(the whole conversation is sent in `input` every turn)"
        )
    if body.get("store") is not False:
        raise ValueError("store must be false: OpenRouter's Responses API keeps no state")


def _encode_options(body: dict[str, Any], options: ChatOptions) -> None:
    if options.temperature is not None:
        body["temperature"] = options.temperature
    if options.top_p is not None:
        body["top_p"] = options.top_p
    if options.max_tokens is not None:
        # Includes reasoning tokens on this wire (§6).
        body["max_output_tokens"] = options.max_tokens
    if options.tool_choice is not None:
        body["tool_choice"] = _encode_tool_choice(options.tool_choice)
    if options.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = options.parallel_tool_calls
    if options.user is not None:
        body["user"] = options.user
    if options.reasoning is not None:
        body["reasoning"] = options.reasoning.to_json()
    dropped = [name for name in ("stop", "seed") if getattr(options, name) is not None]
    if dropped:
        # Neither is a ResponsesRequest field (spec; reference §6 "not on this wire"), and OpenAI's
        # Responses API, which OpenRouter mirrors, rejects unknown parameters. Not sending them keeps the
        # request valid; the warning keeps the drop from being silent.
        warnings.warn(
            f"{' and '.join(dropped)} {'is' if len(dropped) == 1 else 'are'} not part of the Responses API "
            "and was not sent; use the Chat Completions wire (with_completions()) or options.extra_body",
            UserWarning,
            stacklevel=3,
        )


def _encode_tool_choice(choice: str | Mapping[str, Any]) -> str | dict[str, Any]:
    """``tool_choice`` in the Responses form.

    The neutral choices (``"auto"``, ``"none"``, ``"required"``, ``{"type": "function", "name": X}``) are
    already this wire's form. Chat's nested ``{"type": "function", "function": {"name": X}}`` is
    flattened; anything else (``{"type": "allowed_tools", ...}``) passes through unchanged.
    """
    if isinstance(choice, str):
        return choice
    function = choice.get("function")
    if choice.get("type") == "function" and "name" not in choice and isinstance(function, Mapping):
        return {"type": "function", "name": function.get("name")}
    return dict(choice)


def encode_tool(tool: ToolLike) -> dict[str, Any]:
    """A tool declaration: flat ``{type:"function", name, description, parameters, strict}`` plus
    ``ToolSpec.extra``; raw dicts (server tools such as ``{"type": "openrouter:web_search"}``) verbatim."""
    if not isinstance(tool, ToolSpec):
        return dict(tool)
    encoded: dict[str, Any] = {"type": "function", "name": tool.name}
    if tool.description is not None:
        encoded["description"] = tool.description
    encoded["parameters"] = tool.parameters
    if tool.strict is not None:
        encoded["strict"] = tool.strict
    encoded.update(tool.extra)
    return encoded


def encode_input(messages: Iterable[Content]) -> list[InputItem]:
    """Every turn as ``input`` items, in conversation order.

    System contents become ``role: "system"`` message items *where they stand*, not ``instructions``:
    ``instructions`` is a single per-request string, so a system message in the middle of a conversation
    (a mid-run steer, an injected context) would move to the front and change meaning. In-place items
    keep the order, round-trip losslessly, and OpenRouter maps them to each provider's system prompt
    (spec ``EasyInputMessage`` roles include ``system``).
    """
    items: list[InputItem] = []
    for content in messages:
        if content.role == Role.MODEL:
            _encode_model(content.parts, items)
        elif content.role == Role.SYSTEM:
            items.append(_input_message("system", content.parts))
        else:
            items.append(_input_message("user", content.parts))
    if not items:
        raise ValueError("cannot send an empty conversation: add at least one message")
    return items


def _input_message(role: str, parts: Sequence[Part]) -> InputMessage:
    content: list[InputContentPart] = []
    texts: list[str] = []
    plain = True  # a single uncached text part goes out as a plain string, like the fixtures' requests
    for part in parts:
        if isinstance(part, (TextPart, StructuredPart)):
            texts.append(part_text(part))
            text: InputTextPart = {"type": "input_text", "text": texts[-1]}
            if isinstance(part, TextPart) and part.cache_control is not None:
                # This wire's cache marker; OpenRouter converts it to Anthropic's cache_control where needed
                # (spec PromptCacheBreakpoint). A `ttl` has no place here and is not carried.
                text["prompt_cache_breakpoint"] = {"mode": "explicit"}
                plain = False
            content.append(text)
        elif isinstance(part, FilePart):
            if role == "system":
                raise ValueError("a system message can only hold text; send files in a user message")
            content.append(_encode_file(part))
            plain = False
        else:
            raise ValueError(f"a {role} message cannot hold a {part.kind} part (only the model's turn can)")
    message: InputMessage = {"type": "message", "role": "user" if role == "user" else "system"}
    if plain and len(texts) == 1:
        message["content"] = texts[0]
    else:
        message["content"] = content
    return message


def _encode_file(part: FilePart) -> InputContentPart:
    category = part.category
    if category == "image":
        # `detail` is required by the spec's InputImage; "auto" is the API's own default.
        image: InputImagePart = {
            "type": "input_image",
            "image_url": part.data_url(),
            "detail": part.detail or "auto",
        }
        return image
    if category == "audio":
        return _encode_audio(part)
    if category == "video":
        video: InputVideoPart = {"type": "input_video", "video_url": part.data_url()}
        return video
    file: InputFilePart = {"type": "input_file"}
    if not is_inline(part):
        if part.filename is not None:
            file["filename"] = part.filename
        file["file_url"] = part.data_url()  # the https URL, fetched by OpenRouter (§6.1)
        return file
    file["filename"] = inline_filename(part)
    file["file_data"] = part.data_url()
    return file


def _encode_audio(part: FilePart) -> InputAudioPart:
    """Audio goes inline as base64 (``input_audio``): the wire has no audio-by-URL part."""
    fmt = audio_format(part.mime_type)
    if fmt not in ("mp3", "wav"):  # spec InputAudio: only these two here (Chat Completions takes more)
        raise ValueError(f"the Responses API accepts only mp3 or wav audio (got {part.mime_type})")
    data = inline_base64(part)
    if data is None:
        raise ValueError(
            "the Responses API accepts audio only as inline data (input_audio); "
            "load it with FilePart.from_bytes/from_path instead of a URL"
        )
    return {"type": "input_audio", "input_audio": {"data": data, "format": fmt}}


def _encode_model(parts: Sequence[Part], items: list[InputItem]) -> None:
    """A model turn as output items, appended to ``items`` in the original order of the parts.

    Consecutive text parts share one assistant ``message``; each tool part is a top-level
    ``function_call``; the ``function_call_output`` items of a run of consecutive tool parts (parallel
    calls of one step) follow the run, so whatever comes after the results (more reasoning, text, calls)
    stays after them. Reasoning parts become self-contained ``reasoning`` items.
    """
    texts: list[TextPart | StructuredPart] = []
    outputs: list[ToolPart] = []

    def flush_texts() -> None:
        if texts:
            items.append(_assistant_message(texts, f"msg_{len(items)}"))
            texts.clear()

    def flush_outputs() -> None:
        items.extend(_function_call_output(p) for p in outputs)
        outputs.clear()

    for part in parts:
        if not isinstance(part, ToolPart):
            flush_outputs()
        if isinstance(part, (TextPart, StructuredPart)):
            texts.append(part)
            continue
        flush_texts()
        if isinstance(part, ReasoningPart):
            # Ids are derived from the position in `input`, so the same history always encodes to the same
            # bytes (stable prefixes keep prompt caches warm).
            reasoning = replay_items(part, id_prefix=f"rs_{len(items)}")
            items.extend(cast("list[ReasoningItem]", reasoning))
        elif isinstance(part, ToolPart):
            items.append(_function_call(part))
            if part.has_result:
                outputs.append(part)
        else:
            items.append(_image_generation_call(part, f"ig_{len(items)}"))
    flush_texts()
    flush_outputs()


def _assistant_message(parts: Sequence[TextPart | StructuredPart], message_id: str) -> OutputMessage:
    """An assistant ``message`` item. OpenRouter requires ``id`` and ``status`` on assistant items
    (docs api_reference/responses/basic-usage: "Required Fields"); output ids are temporary
    (``msg_tmp_…``, §1.3) and never looked up, so a position-derived id serves."""
    content: list[OutputContentPart] = []
    for part in parts:
        annotations = _output_annotations(part.annotations) if isinstance(part, TextPart) else []
        content.append({"type": "output_text", "text": part_text(part), "annotations": annotations})
    return {
        "type": "message",
        "id": message_id,
        "role": "assistant",
        "status": "completed",
        "content": content,
    }


def _output_annotations(annotations: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Annotations in this wire's form (spec OpenAIResponsesAnnotation: flat url/file citations).

    Responses-form annotations are sent back verbatim. Chat Completions nests a URL citation's fields
    under ``url_citation`` (fixture chat-nonstream-web-search-annotations): they are lifted up. Chat's
    ``file`` annotations (parsed-PDF caches) have no Responses form and stay behind.
    """
    out: list[dict[str, Any]] = []
    for annotation in annotations:
        nested = annotation.get("url_citation")
        if annotation.get("type") == "url_citation" and isinstance(nested, Mapping):
            out.append({"type": "url_citation", **nested})
        elif annotation.get("type") in (
            "url_citation",
            "file_citation",
            "file_path",
            "container_file_citation",
        ):
            out.append(dict(annotation))
    return out


def _function_call(part: ToolPart) -> FunctionCallItem:
    item: FunctionCallItem = {"type": "function_call"}
    item_id = part.provider_data.get("item_id")
    if isinstance(item_id, str) and item_id:
        # Known when the call came from this wire. Calls from the Chat wire have none: real traffic
        # accepted function_call items without `id` (reference §6.1), and an invented one could be
        # mistaken for a server-side item reference.
        item["id"] = item_id
    item["call_id"] = part.id
    item["name"] = part.name
    item["arguments"] = part.raw_arguments or "{}"
    return item


def _function_call_output(part: ToolPart) -> FunctionCallOutputItem:
    return {"type": "function_call_output", "call_id": part.id, "output": part.output_text()}


def _image_generation_call(part: FilePart, item_id: str) -> ImageGenerationCallItem:
    """An image the model produced (image-output models), sent back as the item it came in."""
    if part.category != "image":
        raise ValueError(
            f"a model turn can carry only image files on the Responses API (got {part.mime_type})"
        )
    result = inline_base64(part)
    if result is None:
        raise ValueError(
            "a model-produced image must be inline data (a base64 data: URL) on the Responses API"
        )
    return {"type": "image_generation_call", "id": item_id, "status": "completed", "result": result}


# ======================================================================================================
# Decoding: helpers
# ======================================================================================================


def decode_usage(usage: Any) -> Usage:
    """``usage`` as :class:`~chat_openrouter.Usage`; absent fields read as 0 or None (§7).

    ``input_tokens_details.cached_tokens`` / ``cache_write_tokens``,
    ``output_tokens_details.reasoning_tokens``, ``cost`` (USD), ``is_byok`` and ``cost_details`` (verbatim)
    are OpenRouter's additions to OpenAI's shape.
    Chat-style ``prompt_tokens`` / ``completion_tokens`` are read when the Responses names are absent.
    """
    if not isinstance(usage, Mapping):
        return Usage()
    return usage_from(
        usage,
        input_tokens=usage.get("input_tokens", usage.get("prompt_tokens")),
        output_tokens=usage.get("output_tokens", usage.get("completion_tokens")),
        input_details=usage.get("input_tokens_details"),
        output_details=usage.get("output_tokens_details"),
    )


def _tool_part(item: Mapping[str, Any], position: int) -> ToolPart:
    """A ``function_call`` item as a :class:`ToolPart`: ``id`` is the ``call_id`` (what the result must
    quote), the item's own ``fc_…`` id is kept in ``provider_data["item_id"]`` for the replay."""
    item_id = as_str(item.get("id"))
    return tool_part(
        as_str(item.get("call_id")) or item_id or f"call_{position}",
        as_str(item.get("name")) or "",
        raw_arguments(item.get("arguments")),
        provider_data={"item_id": item_id} if item_id else None,
    )


def _message_text(item: Mapping[str, Any]) -> str:
    """All the text of a ``message`` item (``output_text`` and ``refusal`` parts), as its parts read."""
    return "".join(p.text for p in _message_parts(item))


def _message_parts(item: Mapping[str, Any]) -> list[TextPart]:
    parts: list[TextPart] = []
    content = item.get("content")
    if isinstance(content, str):  # lenient: an easy-input style string
        return [TextPart(content)] if content else []
    if not isinstance(content, list):
        return parts
    for entry in content:
        if not isinstance(entry, Mapping):
            continue
        kind = entry.get("type")
        if kind == "output_text":
            text = as_str(entry.get("text")) or ""
            annotations = dicts(entry.get("annotations"))
            if text or annotations:
                parts.append(TextPart(text, annotations=annotations))
        elif kind == "refusal":
            # A refusal is what the model said instead of an answer: keep it readable as text rather than
            # hide it (the status is still `completed`, so the finish reason stays `stop`).
            refusal = as_str(entry.get("refusal"))
            if refusal:
                parts.append(TextPart(refusal))
    return parts


_IMAGE_SIGNATURES = (
    ("iVBOR", "image/png"),
    ("/9j/", "image/jpeg"),
    ("R0lGOD", "image/gif"),
    ("UklGR", "image/webp"),
)


def _image_part(item: Mapping[str, Any]) -> FilePart | None:
    """A generated image (``image_generation_call.result``, base64) as a ``data:`` URL file part."""
    result = as_str(item.get("result"))
    if not result:
        return None
    mime = next((m for prefix, m in _IMAGE_SIGNATURES if result.startswith(prefix)), "image/png")
    return FilePart.from_url(f"data:{mime};base64,{result}")


def _output_parts(items: Iterable[Any]) -> list[Part]:
    """The parts of a response's ``output`` items, in output order.

    ``message`` → text parts (``output_text`` with annotations; ``refusal`` as text), ``function_call`` →
    tool parts, ``reasoning`` → reasoning parts (item verbatim + Chat-form details), generated images →
    file parts. Other items (server-tool calls, ...) have no part: they stay in ``ChatResponse.raw``.
    """
    parts: list[Part] = []
    reasoning_index = 0
    for position, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type")
        if kind == "message":
            parts.extend(_message_parts(item))
        elif kind == "function_call":
            parts.append(_tool_part(item, position))
        elif kind == "reasoning":
            parts.append(part_from_item(item, index=reasoning_index))
            reasoning_index += 1
        elif kind == "image_generation_call":
            image = _image_part(item)
            if image is not None:
                parts.append(image)
    return parts


def _finish_reason(
    status: str | None, incomplete_details: Any, parts: Sequence[Part]
) -> tuple[str | None, str | None]:
    """``(finish_reason, native_finish_reason)`` for a finished response.

    ``completed`` → ``tool_calls`` when the model called a function, else ``stop``; ``incomplete`` →
    its ``incomplete_details.reason`` normalised (``max_output_tokens`` → ``length``, ``content_filter``).
    """
    if status == "incomplete":
        reason = as_str(as_mapping(incomplete_details).get("reason"))
        return normalise_finish_reason(reason or status), reason or status
    finish = "tool_calls" if any(isinstance(p, ToolPart) for p in parts) else "stop"
    return finish, status or "completed"


def _is_error(error: Any) -> bool:
    """A real ``error`` object (successful responses carry ``"error": null``)."""
    return isinstance(error, Mapping) and bool(error)


def _failure(
    response: Mapping[str, Any],
    error: Any,
    *,
    partial: ChatResponse,
    body: Any,
    fallback: str,
) -> StreamError:
    """The StreamError for a failure inside a 200. OpenRouter's precise ``error_type`` sits next to the
    lossy OpenAI ``error.code`` (fixture doc-responses-failed-body): it is kept in ``metadata``."""
    err = error if isinstance(error, Mapping) else None
    failure = stream_error_from_object(
        err, partial=partial, body=body, fallback=fallback, generation_id=partial.id
    )
    error_type = response.get("error_type")
    if isinstance(error_type, str):
        failure.metadata.setdefault("error_type", error_type)
    return failure


# ======================================================================================================
# Decoding: non-streaming
# ======================================================================================================


def decode_response(body: Any, *, generation_id: str | None = None) -> ChatResponse:
    """A non-streaming ``/responses`` body as a :class:`~chat_openrouter.ChatResponse`.

    ``generation_id`` (the ``X-Generation-Id`` header) is used when the body has no ``id``. Text comes
    from ``output[]`` (the top-level ``output_text`` convenience string is unreliable, §7).

    Raises:
        DecodeError: the body is not a JSON object.
        StreamError: ``status`` is ``failed`` or ``cancelled``, or the body carries an ``error`` object
            (``.code`` int or string, ``.metadata["error_type"]`` from the top-level ``error_type``);
            ``.partial`` holds whatever output came with it.
        IncompleteStreamError: ``status`` says the response is still ``in_progress`` / ``queued``.
    """
    body = require_object(body, "a Responses API result must be a JSON object")
    output = body.get("output")
    parts = _output_parts(output if isinstance(output, list) else ())
    status = as_str(body.get("status"))
    failed = status in ("failed", "cancelled") or _is_error(body.get("error"))
    finish, native = (
        ("error", status) if failed else _finish_reason(status, body.get("incomplete_details"), parts)
    )
    response = ChatResponse(
        content=Content(Role.MODEL, parts),
        id=as_str(body.get("id")) or generation_id,
        model=as_str(body.get("model")),
        provider=as_str(body.get("provider")),
        finish_reason=finish if status not in ("in_progress", "queued") else None,
        native_finish_reason=native,
        usage=decode_usage(body.get("usage")),
        created=opt_int(body.get("created_at")),
        raw=dict(body),
    )
    if failed:
        raise _failure(
            body,
            body.get("error"),
            partial=response,
            body=dict(body),
            fallback=f"the response {status or 'failed'}",
        )
    if status in ("in_progress", "queued"):
        raise IncompleteStreamError(
            f"the response is not finished (status {status!r})", partial=response, generation_id=response.id
        )
    return response


# ======================================================================================================
# Decoding: streaming
# ======================================================================================================


class _TextAcc:
    """One text-bearing entry being streamed: a message content part, a reasoning summary or raw text."""

    __slots__ = ("annotations", "done", "fragments", "kind")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.fragments: list[str] = []
        self.done: str | None = None  # the full text from a `.done` event, preferred over the fragments
        self.annotations: list[dict[str, Any]] = []

    def text(self) -> str:
        return self.done if self.done is not None else "".join(self.fragments)


class _ItemAcc:
    """One output item being streamed, keyed by ``output_index`` and ``item_id``."""

    __slots__ = (
        "added",
        "arguments",
        "arguments_done",
        "content",
        "emitted",
        "final",
        "id",
        "kind",
        "last_section",
        "output_index",
        "summary",
    )

    def __init__(self, output_index: int) -> None:
        self.output_index = output_index
        self.id: str | None = None
        self.kind: str | None = None
        self.added: Mapping[str, Any] = {}  # the item as `output_item.added` announced it
        self.final: dict[str, Any] | None = None  # the item as `output_item.done` delivered it
        self.content: dict[int, _TextAcc] = {}  # message parts / reasoning_text, by content_index
        self.summary: dict[int, _TextAcc] = {}  # reasoning summaries, by summary_index
        self.arguments: list[str] = []
        self.arguments_done: str | None = None
        self.emitted: list[str] = []  # text / reasoning already handed out as chunks
        self.last_section: tuple[str, int] | None = None  # where the last reasoning fragment came from

    def content_entry(self, index: int, kind: str) -> _TextAcc:
        entry = self.content.get(index)
        if entry is None:
            entry = self.content[index] = _TextAcc(kind)
        return entry

    def summary_entry(self, index: int) -> _TextAcc:
        entry = self.summary.get(index)
        if entry is None:
            entry = self.summary[index] = _TextAcc("summary_text")
        return entry

    def reasoning_entry(self, section: str, index: int) -> _TextAcc:
        """A reasoning item's ``summary`` entry or raw ``content`` (``reasoning_text``) entry."""
        return (
            self.summary_entry(index) if section == "summary" else self.content_entry(index, "reasoning_text")
        )

    def arguments_chunk(self, fragment: str) -> ToolCallChunk:
        """A :class:`ToolCallChunk` of this function call, named as ``output_item.added`` announced it."""
        return ToolCallChunk(
            self.output_index, as_str(self.added.get("call_id")), as_str(self.added.get("name")), fragment
        )

    def build(self) -> dict[str, Any]:
        """The item: as delivered by ``output_item.done``, else assembled from what streamed so far."""
        if self.final is not None:
            return self.final
        item: dict[str, Any] = dict(self.added)
        if self.kind is not None:
            item["type"] = self.kind
        if self.id is not None:
            item["id"] = self.id
        if self.kind == "function_call":
            item["arguments"] = (
                self.arguments_done
                if self.arguments_done is not None
                else raw_arguments(self.added.get("arguments")) + "".join(self.arguments)
            )
        elif self.kind == "reasoning":
            item["summary"] = [
                {"type": "summary_text", "text": self.summary[i].text()} for i in sorted(self.summary)
            ]
            if self.content:
                item["content"] = [
                    {"type": "reasoning_text", "text": self.content[i].text()} for i in sorted(self.content)
                ]
        elif self.content or self.kind == "message":
            item["content"] = [_content_json(self.content[i]) for i in sorted(self.content)]
        return item


def _content_json(entry: _TextAcc) -> dict[str, Any]:
    if entry.kind == "refusal":
        return {"type": "refusal", "refusal": entry.text()}
    return {"type": entry.kind, "text": entry.text(), "annotations": list(entry.annotations)}


_Handler = Callable[["ResponsesStreamState", dict[str, Any], list[StreamEvent]], None]


class ResponsesStreamState:
    """Sans-I/O accumulator of one streamed Responses call (implements ``core.stream.StreamState``).

    Feed it each SSE ``data`` payload (``[DONE]`` excluded) with :meth:`handle`; it returns the events
    that payload produces. :meth:`snapshot` is the response so far, :meth:`finish` the final one. Use it
    directly to decode streams you obtained elsewhere::

        state = ResponsesStreamState()
        for data in payloads:
            for event in state.handle(data):
                ...
        response = state.finish()

    Events are dispatched on the payload's ``type`` (OpenRouter sends no ``event:`` lines, §8.1); unknown
    types -- keep-alives, server-tool progress, debug -- are ignored. Items are tracked by ``item_id`` and
    ``output_index`` and may finish in any order. Each function call yields :class:`ToolCall` exactly
    once, at ``function_call_arguments.done`` or ``output_item.done`` (whichever comes first), or at the
    terminal event for calls only it reports. The final response is what streamed, reconciled with the
    terminal ``response``: per item, the ``output_item.done`` item wins, then the terminal's copy, then
    the accumulated deltas; usage comes from the terminal response, which is kept as ``raw``.

    ``max_output_items`` bounds how many output items one stream may open (hostile or broken upstreams);
    going over raises :class:`~chat_openrouter.errors.DecodeError`.
    """

    def __init__(self, *, max_output_items: int = 1024) -> None:
        self.max_output_items = max_output_items
        self.id: str | None = None
        self.model: str | None = None
        self.provider: str | None = None
        self.created: int | None = None
        self.status: str | None = None  # the terminal status: completed / incomplete / failed
        self.usage: Mapping[str, Any] | None = None
        self._terminal: dict[str, Any] | None = None
        self._items: list[_ItemAcc] = []
        self._by_index: dict[int, _ItemAcc] = {}
        self._by_id: dict[str, _ItemAcc] = {}
        self._tool_parts: dict[str, ToolPart] = {}  # call id -> the part handed out in its ToolCall

    # -- StreamState ------------------------------------------------------------------------------------
    def handle(self, data: str) -> list[StreamEvent]:
        """Decode one event and return the stream events it produces.

        Raises :class:`StreamError` on an in-band failure and :class:`DecodeError` on invalid JSON.
        """
        event = parse_payload(data, what="a stream event", partial=self.snapshot)
        if not isinstance(event, dict):
            return []
        kind = event.get("type")
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None or self._terminal is not None:
            return []  # unknown type, or trailing noise after the terminal event (the response is whole)
        events: list[StreamEvent] = []
        handler(self, event, events)
        return events

    def snapshot(self) -> ChatResponse:
        """The response assembled so far (used as ``.partial`` on errors)."""
        parts = self._parts([item for _, item in self._reconciled()])
        finish: str | None = None
        native: str | None = self.status
        if self.status in ("failed", "cancelled", "error"):
            finish = "error"
        elif self.status is not None:
            terminal = self._terminal or {}
            finish, native = _finish_reason(self.status, terminal.get("incomplete_details"), parts)
        return ChatResponse(
            content=Content(Role.MODEL, parts),
            id=self.id,
            model=self.model,
            provider=self.provider,
            finish_reason=finish,
            native_finish_reason=native,
            usage=decode_usage(self.usage),
            created=self.created,
            raw=self._terminal,
        )

    def finish(self) -> ChatResponse:
        """The final response. A stream that ended without a terminal event is an error, never a success."""
        if self.status is None:
            raise IncompleteStreamError(
                "the stream ended before the response finished (no response.completed/incomplete received)",
                partial=self.snapshot(),
                generation_id=self.id,
            )
        return self.snapshot()

    # -- items ------------------------------------------------------------------------------------------
    def _item(
        self, event: Mapping[str, Any], item_id: str | None = None, *, kind: str | None = None
    ) -> _ItemAcc:
        """The accumulator an event refers to (by ``item_id``, else ``output_index``), created if new.

        ``kind`` is the item type the event implies (a text delta: ``message``), used until the item's
        own ``type`` is known: events may arrive before their ``output_item.added`` (§8.3).
        """
        item_id = item_id or as_str(event.get("item_id"))
        acc = self._by_id.get(item_id) if item_id else None
        index = opt_int(event.get("output_index"))
        if acc is None and index is not None:
            acc = self._by_index.get(index)
            if acc is not None and item_id and acc.id and acc.id != item_id:
                acc = None  # a different item claims the same index: keep both
        if acc is None:
            if len(self._items) >= self.max_output_items:
                raise DecodeError(
                    f"the stream opened more than {self.max_output_items} output items",
                    partial=self.snapshot(),
                )
            acc = _ItemAcc(index if index is not None else len(self._items))
            self._items.append(acc)
            self._by_index.setdefault(acc.output_index, acc)
        if item_id and acc.id is None:
            acc.id = item_id
            self._by_id[item_id] = acc
        if acc.kind is None:
            acc.kind = kind
        return acc

    def _reconciled(self) -> list[tuple[_ItemAcc | None, dict[str, Any]]]:
        """Every output item in output order, with its accumulator (None for items only the terminal
        response reports). Per item: the ``output_item.done`` item, else the terminal's copy, else what
        the deltas built."""
        output = (self._terminal or {}).get("output")
        terminal = [i for i in output if isinstance(i, Mapping)] if isinstance(output, list) else []
        by_id = {i.get("id"): n for n, i in enumerate(terminal) if isinstance(i.get("id"), str)}
        used: set[int] = set()
        entries: list[tuple[int, int, _ItemAcc | None, dict[str, Any]]] = []
        for order, acc in enumerate(self._items):
            item = acc.build()
            match = (
                by_id.get(acc.id)
                if acc.id
                else (acc.output_index if acc.output_index < len(terminal) else None)
            )
            if match is not None and match not in used and terminal[match].get("type") == item.get("type"):
                used.add(match)
                if acc.final is None:
                    item = dict(terminal[match])
            entries.append((acc.output_index, order, acc, item))
        entries.extend(
            (n, len(self._items) + n, None, dict(i)) for n, i in enumerate(terminal) if n not in used
        )
        entries.sort(key=lambda e: (e[0], e[1]))
        return [(acc, item) for _, _, acc, item in entries]

    def _parts(self, items: Sequence[dict[str, Any]]) -> list[Part]:
        parts = _output_parts(items)
        # A call already handed out in a ToolCall event keeps that very part (with the same arguments),
        # so code holding the event and code reading the response see one object.
        for n, part in enumerate(parts):
            if isinstance(part, ToolPart):
                emitted = self._tool_parts.get(part.id)
                if (
                    emitted is not None
                    and emitted.raw_arguments == part.raw_arguments
                    and emitted.name == part.name
                ):
                    parts[n] = emitted
        return parts

    # -- event helpers ----------------------------------------------------------------------------------
    def _meta(self, response: Any) -> None:
        if not isinstance(response, Mapping):
            return
        self.id = self.id or as_str(response.get("id"))
        self.model = as_str(response.get("model")) or self.model
        self.provider = as_str(response.get("provider")) or self.provider
        if self.created is None:
            self.created = opt_int(response.get("created_at"))
        usage = response.get("usage")
        if isinstance(usage, Mapping):
            self.usage = usage

    def _emit_tool_call(self, item: Mapping[str, Any], position: int, events: list[StreamEvent]) -> None:
        part = _tool_part(item, position)
        if part.id not in self._tool_parts:
            self._tool_parts[part.id] = part
            events.append(ToolCall(part))

    def _catch_up(
        self, acc: _ItemAcc | None, events: list[StreamEvent], item: Mapping[str, Any] | None = None
    ) -> None:
        """Hand out whatever text of an item never arrived as deltas (a ``.done`` or the terminal event
        carried it whole), so the chunks always add up to the final text."""
        if item is None:
            if acc is None:
                return
            item = acc.build()
        kind = item.get("type")
        if kind == "message":
            expected = _message_text(item)
        elif kind == "reasoning":
            expected = reasoning_text(item)
        else:
            return
        emitted = "".join(acc.emitted) if acc is not None else ""
        if len(expected) > len(emitted) and expected.startswith(emitted):
            missing = expected[len(emitted) :]
            if acc is not None:
                acc.emitted.append(missing)
            events.append(TextChunk(missing) if kind == "message" else ReasoningChunk(missing))

    def _emit_reasoning(
        self, acc: _ItemAcc, section: tuple[str, int], delta: str, events: list[StreamEvent]
    ) -> None:
        if not delta:
            return
        if acc.emitted and acc.last_section != section:
            delta = TEXT_SEPARATOR + delta  # a new summary / text entry: separated as in the final text
        acc.last_section = section
        acc.emitted.append(delta)
        events.append(ReasoningChunk(delta))

    def _fail(self, response: Mapping[str, Any], error: Any, body: Any, fallback: str) -> StreamError:
        return _failure(response, error, partial=self.snapshot(), body=body, fallback=fallback)


# -- event handlers (dispatched on the payload's `type`) -----------------------------------------------------


def _on_response(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    """``response.created`` / ``response.in_progress``: ids, model and timestamps."""
    state._meta(event.get("response"))


def _on_terminal(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    """``response.completed`` / ``response.incomplete`` / ``response.failed``: the end of the stream."""
    response = as_mapping(event.get("response"))
    state._meta(response)
    kind = as_str(event.get("type")) or ""
    default = {"response.completed": "completed", "response.incomplete": "incomplete"}.get(kind, "failed")
    status = as_str(response.get("status"))
    if status not in ("completed", "incomplete", "failed", "cancelled"):
        status = default
    state._terminal = dict(response)
    state.status = status
    if status in ("failed", "cancelled") or _is_error(response.get("error")):
        state.status = "failed"
        raise state._fail(response, response.get("error"), event, f"the response {status}")
    # Text, reasoning and calls that only the terminal response carried still produce their events.
    for position, (acc, item) in enumerate(state._reconciled()):
        if item.get("type") == "function_call":
            state._emit_tool_call(item, position, events)
        else:
            state._catch_up(acc, events, item)


def _on_error(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    """``error`` / ``response.error``: nested ``{error: {code, message}}`` or flat ``{code, message}``
    (the spec's ErrorEvent) -- both documented (§8.5, fixture doc-responses-stream-error-events)."""
    nested = event.get("error")
    error = nested if isinstance(nested, Mapping) else event
    state.status = "error"
    raise state._fail(event, error, event, "the stream reported an error")


def _on_item_added(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    item = as_mapping(event.get("item"))
    acc = state._item(event, as_str(item.get("id")))
    acc.added = item
    acc.kind = as_str(item.get("type")) or acc.kind
    if acc.kind == "function_call":
        events.append(acc.arguments_chunk(raw_arguments(item.get("arguments"))))


def _on_item_done(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    item = as_mapping(event.get("item"))
    acc = state._item(event, as_str(item.get("id")))
    acc.final = dict(item)
    acc.kind = as_str(item.get("type")) or acc.kind
    if acc.kind == "function_call":
        state._emit_tool_call(item, acc.output_index, events)
    else:
        state._catch_up(acc, events)


def _on_part_added(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    part = as_mapping(event.get("part"))
    kind = as_str(part.get("type")) or "output_text"
    acc = state._item(event)
    entry = acc.content_entry(as_int(event.get("content_index")), kind)
    if not entry.annotations:
        entry.annotations = dicts(part.get("annotations"))


def _on_part_done(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    part = as_mapping(event.get("part"))
    kind = as_str(part.get("type")) or "output_text"
    acc = state._item(event)
    entry = acc.content_entry(as_int(event.get("content_index")), kind)
    text = as_str(part.get("refusal" if kind == "refusal" else "text"))
    if text is not None:
        entry.done = text
    annotations = dicts(part.get("annotations"))
    if annotations:  # the done part's list is complete: it replaces what streamed
        entry.annotations = annotations
    state._catch_up(acc, events)


def _text_delta(kind: str) -> _Handler:
    def handler(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
        delta = event.get("delta")
        if not isinstance(delta, str) or not delta:
            return
        acc = state._item(event, kind="message")
        acc.content_entry(as_int(event.get("content_index")), kind).fragments.append(delta)
        acc.emitted.append(delta)
        events.append(TextChunk(delta))

    return handler


def _text_done(kind: str, key: str) -> _Handler:
    def handler(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
        acc = state._item(event)
        text = as_str(event.get(key))
        if text is not None:
            acc.content_entry(as_int(event.get("content_index")), kind).done = text
        state._catch_up(acc, events)

    return handler


def _on_annotation(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    annotation = event.get("annotation")
    if isinstance(annotation, dict):
        entry = state._item(event).content_entry(as_int(event.get("content_index")), "output_text")
        if annotation not in entry.annotations:
            entry.annotations.append(annotation)


def _on_arguments_delta(
    state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]
) -> None:
    delta = event.get("delta")
    acc = state._item(event, kind="function_call")
    if isinstance(delta, str) and delta:
        acc.arguments.append(delta)
        events.append(acc.arguments_chunk(delta))


def _on_arguments_done(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
    acc = state._item(event, kind="function_call")
    arguments = event.get("arguments")
    if isinstance(arguments, str):
        streamed = raw_arguments(acc.added.get("arguments")) + "".join(acc.arguments)
        if len(arguments) > len(streamed) and arguments.startswith(streamed):
            # The deltas fell short (or never came): the chunks still add up to the full arguments.
            missing = arguments[len(streamed) :]
            acc.arguments.append(missing)
            events.append(acc.arguments_chunk(missing))
        acc.arguments_done = arguments
    name = event.get("name")
    if isinstance(name, str) and name and not acc.added.get("name"):
        acc.added = {**acc.added, "name": name}
    item = acc.build()
    # Without an id the call cannot be named yet: output_item.done (or the terminal event) will emit it.
    if item.get("call_id") or item.get("id"):
        state._emit_tool_call(item, acc.output_index, events)


def _on_summary_part_added(
    state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]
) -> None:
    state._item(event, kind="reasoning").summary_entry(as_int(event.get("summary_index")))


def _reasoning_delta(section: str, index_key: str) -> _Handler:
    """A handler for ``reasoning_summary_text.delta`` (section ``summary``) or ``reasoning_text.delta``
    (section ``content``): the fragment joins its entry and goes out as a :class:`ReasoningChunk`."""

    def handler(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
        delta = event.get("delta")
        if not isinstance(delta, str):
            return
        acc = state._item(event, kind="reasoning")
        index = as_int(event.get(index_key))
        acc.reasoning_entry(section, index).fragments.append(delta)
        state._emit_reasoning(acc, (section, index), delta, events)

    return handler


def _reasoning_done(section: str, index_key: str) -> _Handler:
    """A handler for the ``.done`` of a reasoning entry: its full text wins over the fragments."""

    def handler(state: ResponsesStreamState, event: dict[str, Any], events: list[StreamEvent]) -> None:
        acc = state._item(event, kind="reasoning")
        text = event.get("text")
        if not isinstance(text, str):
            text = as_mapping(event.get("part")).get("text")  # reasoning_summary_part.done carries the part
        if isinstance(text, str):
            acc.reasoning_entry(section, as_int(event.get(index_key))).done = text
        state._catch_up(acc, events)

    return handler


_HANDLERS: dict[str, _Handler] = {
    "response.created": _on_response,
    "response.in_progress": _on_response,
    "response.completed": _on_terminal,
    "response.incomplete": _on_terminal,
    "response.failed": _on_terminal,
    "error": _on_error,
    "response.error": _on_error,
    "response.output_item.added": _on_item_added,
    "response.output_item.done": _on_item_done,
    "response.content_part.added": _on_part_added,
    "response.content_part.done": _on_part_done,
    "response.output_text.delta": _text_delta("output_text"),
    "response.output_text.done": _text_done("output_text", "text"),
    "response.refusal.delta": _text_delta("refusal"),
    "response.refusal.done": _text_done("refusal", "refusal"),
    "response.output_text.annotation.added": _on_annotation,
    "response.function_call_arguments.delta": _on_arguments_delta,
    "response.function_call_arguments.done": _on_arguments_done,
    "response.reasoning_summary_part.added": _on_summary_part_added,
    "response.reasoning_summary_part.done": _reasoning_done("summary", "summary_index"),
    "response.reasoning_summary_text.delta": _reasoning_delta("summary", "summary_index"),
    "response.reasoning_summary_text.done": _reasoning_done("summary", "summary_index"),
    "response.reasoning_text.delta": _reasoning_delta("content", "content_index"),
    "response.reasoning_text.done": _reasoning_done("content", "content_index"),
}
