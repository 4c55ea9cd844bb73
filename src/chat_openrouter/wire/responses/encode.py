"""Responses API requests: a conversation, tools and options -> the ``POST /responses`` body. Pure.

OpenRouter's Responses API is **stateless** (reference §6): every request carries the whole conversation
in ``input``, ``store`` is always ``false`` and ``previous_response_id`` is never sent -- the encoder
refuses to produce either. Reasoning is replayed as self-contained ``reasoning`` items (summary, raw text,
encrypted content), never as an id a stateless server cannot resolve; see
:mod:`~chat_openrouter.wire.common.reasoning`. Every body validates against the spec's
``ResponsesRequest`` (tests/wire/responses). Section numbers (§) refer to the OpenRouter reference.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from ... import _json
from ...core.media import audio_format
from ...core.messages import Content, Messages
from ...core.options import ChatOptions, OutputSchema, Reasoning
from ...core.parts import (
    AudioPart,
    FilePart,
    Part,
    ReasoningPart,
    RefusalPart,
    Role,
    StructuredPart,
    TextPart,
    ToolPart,
)
from ...core.tools import ToolLike, ToolSpec
from ..common.encoding import (
    apply_extra_body,
    inline_base64,
    inline_filename,
    is_inline,
    output_fields,
    part_text,
)
from ..common.reasoning import replay_items
from ..common.turns import TurnCache
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

__all__ = ["ENCRYPTED_REASONING", "encode_input", "encode_request", "encode_tool"]

#: What the encoder asks for so that reasoning can be replayed on a stateless server
#: (reference §6.1, §11.8).
ENCRYPTED_REASONING = "reasoning.encrypted_content"


def encode_request(
    messages: Messages | Sequence[Content],
    *,
    model: str | None,
    tools: Sequence[ToolLike] | None,
    options: ChatOptions,
    output: OutputSchema | None,
    stream: bool,
    turns: TurnCache | None = None,
) -> dict[str, Any]:
    """The ``/responses`` request body for a conversation.

    ``options`` is already merged (client defaults + per-call); fields left None are not sent, because
    OpenRouter does not default absent parameters. ``options.extra_body`` is merged last and recursively
    (:func:`~chat_openrouter.core.options.merge_json`): an object extends what is computed here
    (``{"text": {"verbosity": "low"}}`` keeps a structured-output ``text.format``), any other value
    replaces it (``models``, ``include`` ...) -- except that the result must stay stateless: ``store:
    true`` or a ``previous_response_id`` raise ``ValueError``. With ``turns`` (a client's
    :class:`~chat_openrouter.wire.common.turns.TurnCache`), turns encoded before are reused (see
    :func:`encode_input`).

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
    body["input"] = encode_input(messages, turns=turns)
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
    body = apply_extra_body(body, options.extra_body)
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
        # The end user's stable id for abuse isolation is `safety_identifier` on this wire (spec
        # ResponsesRequest: "Recommended per-end-user identifier ... folded into the hashed identity");
        # Chat Completions calls the same thing `user`.
        body["safety_identifier"] = options.user
    if options.reasoning is not None:
        body["reasoning"] = options.reasoning.to_json()
    if options.top_logprobs is not None:
        # The only log-probability switch this wire has (spec ResponsesRequest.top_logprobs); the
        # tokens come back in each output_text part's `logprobs`.
        body["top_logprobs"] = options.top_logprobs
    dropped = [name for name in ("stop", "seed") if getattr(options, name) is not None]
    extra = output_fields(options)
    # ResponsesRequest has frequency/presence penalties, top_k, modalities (text, image) and image_config,
    # but no repetition_penalty, min_p, top_a, logit_bias, audio modality or `audio` option (spec).
    for name in _NOT_ON_THIS_WIRE:
        if extra.pop(name, None) is not None:
            dropped.append(name)
    modalities = extra.get("modalities")
    if modalities is not None and "audio" in modalities:
        extra["modalities"] = [m for m in modalities if m != "audio"] or ["text"]
        dropped.append("audio output")
    body.update(extra)
    if options.logprobs and options.top_logprobs is None:
        # ResponsesRequest has no `logprobs` boolean and its `include` enum has no logprobs entry.
        dropped.append("logprobs")
    if dropped:
        # Neither is a ResponsesRequest field (spec; reference §6 "not on this wire"), and OpenAI's
        # Responses API, which OpenRouter mirrors, rejects unknown parameters. Not sending them keeps the
        # request valid; the warning keeps the drop from being silent.
        hint = "; set top_logprobs (1-20) for log probabilities" if "logprobs" in dropped else ""
        warnings.warn(
            f"{' and '.join(dropped)} {'is' if len(dropped) == 1 else 'are'} not part of the Responses API "
            "and was not sent; use the Chat Completions wire (with_completions()) or options.extra_body"
            + hint,
            UserWarning,
            stacklevel=3,
        )


_NOT_ON_THIS_WIRE = ("repetition_penalty", "min_p", "top_a", "logit_bias", "audio")


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


def encode_input(messages: Iterable[Content], *, turns: TurnCache | None = None) -> list[InputItem]:
    """Every turn as ``input`` items, in conversation order.

    System contents become ``role: "system"`` message items *where they stand*, not ``instructions``:
    ``instructions`` is a single per-request string, so a system message in the middle of a conversation
    (a mid-run steer, an injected context) would move to the front and change meaning. In-place items
    keep the order, round-trip losslessly, and OpenRouter maps them to each provider's system prompt
    (spec ``EasyInputMessage`` roles include ``system``).

    With ``turns``, each turn's items and their JSON are taken from the cache when the turn is unchanged
    since it was encoded -- a model turn also at the same position, since its item ids derive from it --
    and kept there otherwise; the result is then an :class:`~chat_openrouter._json.EncodedArray`,
    which the transport writes from those bytes.
    """
    items: list[InputItem] = []
    if turns is None:
        for content in messages:
            items.extend(_encode_turn(content, len(items)))
    else:
        fragments: list[bytes] = []
        for content in messages:
            offset = len(items) if content.role == Role.MODEL else None
            turn = turns.get(content, offset)
            if turn is None:
                turn = turns.put(content, offset, _encode_turn(content, len(items)))
            items.extend(turn.items)
            fragments.append(turn.fragment)
        items = _json.EncodedArray(items, fragments)
    if not items:
        raise ValueError("cannot send an empty conversation: add at least one message")
    return items


def _encode_turn(content: Content, offset: int) -> list[InputItem]:
    """One turn's items; ``offset`` is where they start in ``input`` (model items' ids derive from it)."""
    if content.role == Role.MODEL:
        items: list[InputItem] = []
        _encode_model(content.parts, items, offset)
        return items
    return [_input_message("system" if content.role == Role.SYSTEM else "user", content.parts)]


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
        elif isinstance(part, (FilePart, AudioPart)):
            if role == "system":
                raise ValueError("a system message can only hold text; send files in a user message")
            # Speech a model made, passed on as input: an audio file like any other.
            content.append(_encode_file(part.as_file() if isinstance(part, AudioPart) else part))
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


def _encode_model(parts: Sequence[Part], items: list[InputItem], offset: int) -> None:
    """A model turn as output items, appended to ``items`` (which start at ``offset`` in ``input``) in the
    original order of the parts.

    Consecutive text and refusal parts share one assistant ``message`` (a refusal is the message's
    ``refusal`` content part, as the model sent it: spec ``OpenAIResponsesRefusalContent``, accepted in
    ``input``); each tool part is a top-level ``function_call``; the ``function_call_output`` items of a
    run of consecutive tool parts (parallel calls of one step) follow the run, so whatever comes after the
    results (more reasoning, text, calls) stays after them. Reasoning parts become self-contained
    ``reasoning`` items.
    """
    texts: list[TextPart | StructuredPart | RefusalPart] = []
    outputs: list[ToolPart] = []

    def flush_texts() -> None:
        if texts:
            items.append(_assistant_message(texts, f"msg_{offset + len(items)}"))
            texts.clear()

    def flush_outputs() -> None:
        items.extend(_function_call_output(p) for p in outputs)
        outputs.clear()

    spoken_only = not any(isinstance(p, (TextPart, StructuredPart)) for p in parts)
    for part in parts:
        if not isinstance(part, ToolPart):
            flush_outputs()
        if isinstance(part, (TextPart, StructuredPart, RefusalPart)):
            texts.append(part)
            continue
        if isinstance(part, AudioPart):
            # This wire has no audio output item: a spoken answer goes back as what it said (its text
            # part, or else its transcript), as on Chat Completions.
            if spoken_only and part.transcript:
                texts.append(TextPart(part.transcript))
            continue
        flush_texts()
        if isinstance(part, ReasoningPart):
            # Ids are derived from the position in `input`, so the same history always encodes to the same
            # bytes (stable prefixes keep prompt caches warm).
            reasoning = replay_items(part, id_prefix=f"rs_{offset + len(items)}")
            items.extend(cast("list[ReasoningItem]", reasoning))
        elif isinstance(part, ToolPart):
            items.append(_function_call(part))
            if part.has_result:
                outputs.append(part)
        elif isinstance(part, FilePart):
            items.append(_image_generation_call(part, f"ig_{offset + len(items)}"))
    flush_texts()
    flush_outputs()


def _assistant_message(
    parts: Sequence[TextPart | StructuredPart | RefusalPart], message_id: str
) -> OutputMessage:
    """An assistant ``message`` item. OpenRouter requires ``id`` and ``status`` on assistant items
    (docs api_reference/responses/basic-usage: "Required Fields"); output ids are temporary
    (``msg_tmp_…``, §1.3) and never looked up, so a position-derived id serves."""
    content: list[OutputContentPart] = []
    for part in parts:
        if isinstance(part, RefusalPart):
            content.append({"type": "refusal", "refusal": part.text})
            continue
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
