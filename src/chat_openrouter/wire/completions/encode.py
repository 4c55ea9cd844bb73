"""Chat Completions requests: a conversation, tools and options -> the ``POST /chat/completions`` body. Pure.

Every body validates against the spec's ``ChatRequest`` (tests/wire/completions). Section numbers (§)
refer to the OpenRouter reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from ... import _json
from ...core.media import audio_format_name
from ...core.messages import Content, Messages
from ...core.openai_format import model_turn_segments
from ...core.options import ChatOptions, OutputSchema
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
    json_text,
    output_fields,
    part_text,
)
from ..common.turns import TurnCache
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

__all__ = ["encode_messages", "encode_request", "encode_tool"]


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
    """The ``/chat/completions`` request body for a conversation.

    ``options`` is already merged (client defaults + per-call); fields left None are not sent, because
    OpenRouter does not default absent parameters (reference §3.1). ``options.extra_body`` is merged last
    and recursively (:func:`~chat_openrouter.core.options.merge_json`): an object extends what is
    computed here (``{"response_format": {"json_schema": {"strict": False}}}`` keeps the schema), any
    other value replaces it (``models``, ``plugins`` ...). With ``turns`` (a client's
    :class:`~chat_openrouter.wire.common.turns.TurnCache`), turns encoded before are reused (see
    :func:`encode_messages`).

    >>> from chat_openrouter import messages
    >>> encode_request(messages.from_user("Hi"), model="openai/gpt-4o", tools=None,
    ...                options=ChatOptions(max_tokens=50), output=None, stream=False)
    {'model': 'openai/gpt-4o', 'messages': [{'role': 'user', 'content': 'Hi'}], 'max_completion_tokens': 50}
    """
    body: dict[str, Any] = {}
    if model is not None:
        body["model"] = model
    body["messages"] = encode_messages(messages, turns=turns)
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
    return apply_extra_body(body, options.extra_body)


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
    if options.logprobs is not None or options.top_logprobs is not None:
        # `top_logprobs` only works with `logprobs: true` (spec ChatRequest; OpenAI rejects it alone), so
        # asking for alternatives turns log probabilities on.
        body["logprobs"] = options.logprobs if options.logprobs is not None else True
        if options.top_logprobs is not None:
            body["top_logprobs"] = options.top_logprobs
    # Every sampling knob and output modality has its field on this wire (spec ChatRequest); `audio`
    # ({voice, format}) is OpenRouter's audio-output option (its audio guide; not in the spec's schema).
    body.update(output_fields(options))


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


def encode_messages(messages: Iterable[Content], *, turns: TurnCache | None = None) -> list[ChatMessage]:
    """Every turn as Chat messages. A model turn can become several messages (see :func:`_encode_model`).

    With ``turns``, each turn's messages and their JSON are taken from the cache when the turn is
    unchanged since it was encoded (a message's encoding does not depend on its position), and kept
    there otherwise; the result is then an :class:`~chat_openrouter._json.EncodedArray`, which the
    transport writes from those bytes.
    """
    if turns is None:
        out: list[ChatMessage] = []
        for content in messages:
            out.extend(_encode_turn(content))
    else:
        out = []
        fragments: list[bytes] = []
        for content in messages:
            turn = turns.get(content)
            if turn is None:
                turn = turns.put(content, None, _encode_turn(content))
            out.extend(turn.items)
            fragments.append(turn.fragment)
        out = _json.EncodedArray(out, fragments)
    if not out:
        raise ValueError("cannot send an empty conversation: add at least one message")
    return out


def _encode_turn(content: Content) -> list[ChatMessage]:
    if content.role == Role.MODEL:
        return _encode_model(content.parts)
    if content.role == Role.SYSTEM:
        return [{"role": "system", "content": _encode_user_content(content.parts, system=True)}]
    return [{"role": "user", "content": _encode_user_content(content.parts, system=False)}]


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
        elif isinstance(part, (FilePart, AudioPart)):
            if system:
                # Spec ChatSystemMessage: system content parts are text only.
                raise ValueError(
                    "a system message can only hold text on Chat Completions; send files as user"
                )
            # Speech a model made, passed on as input: an audio file like any other.
            items.append(_encode_file(part.as_file() if isinstance(part, AudioPart) else part))
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
    return {"type": "input_audio", "input_audio": {"data": data, "format": audio_format_name(part.mime_type)}}


def _encode_model(parts: Sequence[Part]) -> list[ChatMessage]:
    """A model turn as ``assistant`` messages, each followed by its ``tool`` result messages (split as
    :func:`~chat_openrouter.core.openai_format.model_turn_segments` says)."""
    out: list[ChatMessage] = []
    for segment, results in model_turn_segments(parts):
        out.append(_assistant_message(segment))
        out.extend(_tool_message(p) for p in results)
    return out


def _assistant_message(parts: Sequence[Part]) -> ChatMessage:
    texts: list[TextPart] = []
    refusals: list[str] = []
    tool_calls: list[ChatToolCall] = []
    details: list[dict[str, Any]] = []
    plain_reasoning: list[str] = []
    annotations: list[dict[str, Any]] = []
    images: list[FilePart] = []
    transcripts: list[str] = []
    for part in parts:
        if isinstance(part, TextPart):
            texts.append(part)
            annotations.extend(part.annotations)
        elif isinstance(part, StructuredPart):
            texts.append(TextPart(json_text(part.value)))
        elif isinstance(part, RefusalPart):
            refusals.append(part.text)
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
        elif isinstance(part, FilePart) and part.category == "image":
            images.append(part)  # an image-output model's picture goes back where it came from
        elif isinstance(part, AudioPart):
            transcripts.append(part.transcript)
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
    elif any(transcripts):
        # Spoken answers go back as what they said: the `audio.id` reference expires (`expires_at`) and a
        # stateless replay must not depend on it; the words are what the next turn needs.
        message["content"] = "".join(transcripts)
    elif refusals and not tool_calls:
        # The refusal is what the model said: as content too, so providers that ignore `refusal` (it is
        # OpenAI's field) still see it, and no assistant turn goes out empty.
        message["content"] = "".join(refusals)
    else:
        # null only alongside tool calls; a reasoning-only turn still needs a string for most providers.
        message["content"] = None if tool_calls else ""
    if refusals:
        message["refusal"] = "".join(refusals)  # spec ChatAssistantMessage.refusal
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
