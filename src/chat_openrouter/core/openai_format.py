"""OpenAI-style chat messages (``[{"role": "user", "content": "Hi"}, ...]``) to and from our turns.

The format most code already holds a conversation in -- the ``messages`` of OpenAI's Chat Completions,
as OpenRouter documents it: ``system``/``developer``/``user``/``assistant``/``tool`` roles, ``content``
as a string or a list of content parts (``text``, ``image_url``, ``input_audio``, ``file``,
``video_url``, ``refusal``), ``tool_calls`` and the ``tool`` messages that answer them, and OpenRouter's
``reasoning`` / ``reasoning_details`` on assistant messages.

Pure data, no wire: :func:`messages.from_openai <chat_openrouter.core.messages.from_openai>` and
:meth:`Messages.to_openai <chat_openrouter.core.messages.Messages.to_openai>` are the public entry
points; this module works on ``(role, parts)`` pairs, like :mod:`.serialization`, so it sits below
:mod:`.messages`.

What maps to what: a ``tool`` message is the result of the call with its ``tool_call_id`` -- there is no
tool role in our turns, the result lives on the call's :class:`ToolPart` (its text becomes ``result``);
every ``assistant`` message starts a model turn. OpenAI dicts -> turns -> OpenAI dicts gives the same
dicts back for everything listed above. The other way, what the OpenAI form cannot hold is not kept: a
Responses ``reasoning`` item (``ReasoningPart.item``), a tool call's status and typed result (it becomes
text, as the wire sends it), wire ids, a structured value (it becomes JSON text). For a lossless saved
form use ``Messages.to_json()``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .media import audio_format_name, audio_media_type
from .parts import (
    FilePart,
    Part,
    ReasoningPart,
    RefusalPart,
    Role,
    StructuredPart,
    TextPart,
    ToolPart,
    ToolStatus,
)

__all__ = ["decode_openai", "encode_openai", "model_turn_segments"]

Turn = tuple[Role, list[Part]]

_ROLES = {"system": Role.SYSTEM, "developer": Role.SYSTEM, "user": Role.USER, "assistant": Role.MODEL}



# -- OpenAI -> turns ---------------------------------------------------------------------------------------
def decode_openai(value: Any) -> list[Turn]:
    """OpenAI-style chat messages as ``(role, parts)`` turns.

    Raises ``TypeError`` when ``value`` is not a list of dicts, and ``ValueError`` naming the place
    (``messages[2].role: ...``) when a message is malformed: an unknown role, a part type we cannot hold,
    a ``tool`` message answering no call.
    """
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise TypeError(
            "from_openai() expects a list of OpenAI-style message dicts "
            f'([{{"role": "user", "content": "Hi"}}, ...]), got {type(value).__name__}'
        )
    turns: list[Turn] = []
    for index, message in enumerate(value):
        where = f"messages[{index}]"
        if not isinstance(message, Mapping):
            raise TypeError(f"{where}: expected a message dict with 'role' and 'content', got {type(message).__name__}")
        role = message.get("role")
        if role == "tool":
            _answer_call(turns, message, where)
            continue
        ours = _ROLES.get(role) if isinstance(role, str) else None
        if ours is None:
            raise ValueError(
                f"{where}.role: expected 'system', 'developer', 'user', 'assistant' or 'tool', got {role!r}"
            )
        if ours is Role.MODEL:
            turns.append((ours, _assistant_parts(message, where)))
        else:
            turns.append((ours, _content_parts(message.get("content"), f"{where}.content", ours)))
    return turns


def _content_parts(content: Any, where: str, role: Role) -> list[Part]:
    if content is None:
        return []
    if isinstance(content, str):
        return [TextPart(content)]
    if not isinstance(content, list):
        raise ValueError(f"{where}: expected a string or a list of content parts, got {type(content).__name__}")
    parts: list[Part] = []
    for n, item in enumerate(content):
        at = f"{where}[{n}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{at}: expected a content part dict, got {type(item).__name__}")
        parts.append(_content_part(item, at, role))
    return parts


def _content_part(item: Mapping[str, Any], at: str, role: Role) -> Part:
    kind = item.get("type")
    cache = item.get("cache_control")
    if kind in ("text", "input_text", "output_text"):
        text = item.get("text")
        if not isinstance(text, str):
            raise ValueError(f"{at}.text: expected a string, got {type(text).__name__}")
        return TextPart(text, cache_control=dict(cache) if isinstance(cache, Mapping) else None)
    if kind == "refusal" and role is Role.MODEL and isinstance(item.get("refusal"), str):
        return RefusalPart(item["refusal"])
    if role is Role.SYSTEM:
        raise ValueError(f"{at}: a system message holds text parts only, got type {kind!r}")
    if kind == "image_url":
        image = item.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        part = FilePart.from_url(_required_url(url, f"{at}.image_url.url"))
        if isinstance(image, Mapping) and isinstance(image.get("detail"), str):
            part.detail = image["detail"]
    elif kind == "input_audio":
        audio = item.get("input_audio")
        if not isinstance(audio, Mapping) or not isinstance(audio.get("data"), str):
            raise ValueError(f"{at}.input_audio: expected {{'data': base64, 'format': ...}}")
        fmt = str(audio.get("format") or "wav")
        try:
            data = base64.b64decode(audio["data"], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{at}.input_audio.data: not valid base64") from None
        part = FilePart.from_bytes(data, audio_media_type(fmt))
    elif kind == "file":
        spec = item.get("file")
        if not isinstance(spec, Mapping):
            raise ValueError(f"{at}.file: expected {{'filename': ..., 'file_data': ...}}")
        url = spec.get("file_data") or spec.get("url")
        if not url and spec.get("file_id"):
            raise ValueError(f"{at}.file.file_id: uploaded-file ids are not supported; send file_data")
        filename = spec.get("filename")
        part = FilePart.from_url(
            _required_url(url, f"{at}.file.file_data"), filename=filename if isinstance(filename, str) else None
        )
    elif kind == "video_url":
        video = item.get("video_url")
        url = video.get("url") if isinstance(video, Mapping) else video
        part = FilePart.from_url(_required_url(url, f"{at}.video_url.url"))
    else:
        raise ValueError(
            f"{at}: unsupported content part type {kind!r} "
            "(text, image_url, input_audio, file, video_url -- and refusal in assistant messages)"
        )
    if isinstance(cache, Mapping):
        part.cache_control = dict(cache)
    return part


def _required_url(url: Any, at: str) -> str:
    if not isinstance(url, str) or not url:
        raise ValueError(f"{at}: expected a URL (https: or data:), got {url!r}")
    return url


def _assistant_parts(message: Mapping[str, Any], where: str) -> list[Part]:
    parts: list[Part] = []
    details = message.get("reasoning_details")
    reasoning = message.get("reasoning")
    if isinstance(details, list) and details:
        texts = [d.get("text") or d.get("summary") for d in details if isinstance(d, Mapping)]
        signatures = [d.get("signature") for d in details if isinstance(d, Mapping) and d.get("signature")]
        parts.append(
            ReasoningPart(
                text=reasoning if isinstance(reasoning, str) else "".join(t for t in texts if isinstance(t, str)),
                signature=signatures[-1] if signatures else None,
                details=[dict(d) for d in details if isinstance(d, Mapping)],
            )
        )
    elif isinstance(reasoning, str) and reasoning:
        parts.append(ReasoningPart(text=reasoning))
    refusal = message.get("refusal")
    tool_calls = message.get("tool_calls") or []
    content = message.get("content")
    # Our own encoder repeats a lone refusal as the content (so providers that ignore `refusal` see it):
    # that is one refusal, not a refusal and an answer.
    if isinstance(refusal, str) and refusal and content == refusal and not tool_calls:
        content = None
    body = _content_parts(content, f"{where}.content", Role.MODEL)
    if isinstance(content, str) and not content and (tool_calls or refusal or parts):
        body = []  # "" next to tool calls or reasoning is the wire's placeholder, not an empty answer
    annotations = message.get("annotations")
    if isinstance(annotations, list) and annotations:
        text = next((p for p in body if isinstance(p, TextPart)), None)
        if text is None:
            text = TextPart("")
            body.append(text)
        text.annotations = [dict(a) for a in annotations if isinstance(a, Mapping)]
    parts.extend(body)
    if isinstance(refusal, str) and refusal:
        parts.append(RefusalPart(refusal))
    images = message.get("images")
    if isinstance(images, list):
        for n, image in enumerate(images):
            url = image.get("image_url") if isinstance(image, Mapping) else None
            url = url.get("url") if isinstance(url, Mapping) else url
            parts.append(FilePart.from_url(_required_url(url, f"{where}.images[{n}].image_url.url")))
    if not isinstance(tool_calls, list):
        raise ValueError(f"{where}.tool_calls: expected a list, got {type(tool_calls).__name__}")
    for n, call in enumerate(tool_calls):
        parts.append(_tool_call(call, f"{where}.tool_calls[{n}]"))
    return parts


def _tool_call(call: Any, at: str) -> ToolPart:
    function = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(function, Mapping) or not isinstance(call.get("id"), str):
        raise ValueError(f"{at}: expected {{'id': ..., 'type': 'function', 'function': {{'name', 'arguments'}}}}")
    name, arguments = function.get("name"), function.get("arguments", "")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{at}.function.name: expected the tool's name, got {name!r}")
    if isinstance(arguments, Mapping):  # forgiving: a dict where OpenAI sends a JSON string
        arguments = json.dumps(dict(arguments), separators=(",", ":"), ensure_ascii=False)
    if not isinstance(arguments, str):
        raise ValueError(f"{at}.function.arguments: expected a JSON string, got {type(arguments).__name__}")
    return ToolPart(id=call["id"], name=name, raw_arguments=arguments)


def _answer_call(turns: list[Turn], message: Mapping[str, Any], where: str) -> None:
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str):
        raise ValueError(f"{where}.tool_call_id: a tool message names the call it answers, got {call_id!r}")
    for role, parts in reversed(turns):
        if role is not Role.MODEL:
            break  # a result answers a call of the model turns just before it
        call = next((p for p in parts if isinstance(p, ToolPart) and p.id == call_id), None)
        if call is not None:
            content = message.get("content")
            if isinstance(content, list):  # text parts: their text, joined
                content = "".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
            call.result = "" if content is None else content if isinstance(content, str) else str(content)
            call.status = ToolStatus.COMPLETED
            return
    raise ValueError(f"{where}: no assistant tool call with id {call_id!r} before this tool message")


# -- turns -> OpenAI ---------------------------------------------------------------------------------------
def encode_openai(turns: Iterable[tuple[Role, Sequence[Part]]]) -> list[dict[str, Any]]:
    """``(role, parts)`` turns as OpenAI-style chat messages (a model turn with tool results becomes the
    ``assistant`` message and one ``tool`` message per answered call)."""
    out: list[dict[str, Any]] = []
    for role, parts in turns:
        if role is Role.MODEL:
            out.extend(_model_messages(parts))
        else:
            out.append({"role": str(role), "content": _content(parts)})
    return out


def _content(parts: Sequence[Part]) -> str | list[dict[str, Any]]:
    if len(parts) == 1 and isinstance(parts[0], TextPart) and parts[0].cache_control is None:
        return parts[0].text
    if not parts:
        return ""
    return [_encode_part(p) for p in parts]


def _encode_part(part: Part) -> dict[str, Any]:
    if isinstance(part, (TextPart, StructuredPart)):
        item: dict[str, Any] = {"type": "text", "text": _text(part)}
        if isinstance(part, TextPart) and part.cache_control is not None:
            item["cache_control"] = part.cache_control
        return item
    if isinstance(part, RefusalPart):
        return {"type": "refusal", "refusal": part.text}
    if not isinstance(part, FilePart):
        raise ValueError(f"a {part.kind} part belongs to the model's turn, not a user or system message")
    category = part.category
    if category == "image":
        image: dict[str, Any] = {"url": part.data_url()}
        if part.detail is not None:
            image["detail"] = part.detail
        item = {"type": "image_url", "image_url": image}
    elif category == "audio" and part.data is not None:
        item = {"type": "input_audio", "input_audio": {"data": part.base64(), "format": audio_format_name(part.mime_type)}}
    elif category == "video":
        item = {"type": "video_url", "video_url": {"url": part.data_url()}}
    else:
        file: dict[str, Any] = {"file_data": part.data_url()}
        if part.filename is not None:
            file = {"filename": part.filename, **file}
        item = {"type": "file", "file": file}
    if part.cache_control is not None:
        item["cache_control"] = part.cache_control
    return item


def _text(part: TextPart | StructuredPart) -> str:
    if isinstance(part, TextPart):
        return part.text
    return part.value if isinstance(part.value, str) else json.dumps(part.value, ensure_ascii=False)


def model_turn_segments(parts: Sequence[Part]) -> list[tuple[list[Part], list[ToolPart]]]:
    """A model turn as OpenAI-style messages carry it: ``(assistant parts, answered tool calls)`` pairs,
    each an ``assistant`` message followed by one ``tool`` message per answered call.

    Order is preserved: when the turn continues after tool results (text or reasoning following a tool
    part that has a result, as when a later step is appended to the same turn), a new assistant message
    starts. Consecutive tool parts stay in one message: they are parallel calls of one step. An empty
    turn is one empty assistant message. (The Chat Completions encoder splits turns with this too.)
    """
    out: list[tuple[list[Part], list[ToolPart]]] = []
    segment: list[Part] = []
    answered: list[ToolPart] = []
    for part in parts:
        if answered and not isinstance(part, ToolPart):
            out.append((segment, answered))
            segment, answered = [], []
        segment.append(part)
        if isinstance(part, ToolPart) and part.has_result:
            answered.append(part)
    if segment or not out:
        out.append((segment, answered))
    return out


def _model_messages(parts: Sequence[Part]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for segment, answered in model_turn_segments(parts):
        out.append(_assistant(segment))
        out.extend(_tool_message(p) for p in answered)
    return out


def _assistant(parts: Sequence[Part]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant"}
    body = [p for p in parts if isinstance(p, (TextPart, StructuredPart))]
    refusals = [p.text for p in parts if isinstance(p, RefusalPart)]
    calls = [p for p in parts if isinstance(p, ToolPart)]
    if any(isinstance(p, TextPart) and p.cache_control is not None for p in body) or len(body) > 1:
        message["content"] = [_encode_part(p) for p in body]
    elif body:
        message["content"] = _text(body[0])
    else:
        message["content"] = None if calls or refusals else ""
    if refusals:
        message["refusal"] = "".join(refusals)
    reasoning = [p for p in parts if isinstance(p, ReasoningPart)]
    details = [d for p in reasoning for d in p.details]
    text = "".join(p.text for p in reasoning)
    if text:
        message["reasoning"] = text
    if details:
        message["reasoning_details"] = details
    annotations = [a for p in body if isinstance(p, TextPart) for a in p.annotations]
    if annotations:
        message["annotations"] = annotations
    images = [p for p in parts if isinstance(p, FilePart)]
    if images:
        message["images"] = [{"type": "image_url", "image_url": {"url": p.data_url()}} for p in images]
    if calls:
        message["tool_calls"] = [
            {"id": p.id, "type": "function", "function": {"name": p.name, "arguments": p.raw_arguments or "{}"}}
            for p in calls
        ]
    return message


def _tool_message(part: ToolPart) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": part.id, "content": part.output_text()}
