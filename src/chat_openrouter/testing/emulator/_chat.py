"""Chat Completions output in OpenRouter's real shapes (reference §4, §5).

Non-stream: one ``chat.completion`` object with top-level ``provider``, ``native_finish_reason`` on the
choice and ``usage`` carrying ``cost``/``cost_details``/``is_byok``. Stream: the 2026 chunk layout
(``object`` before ``model``, ``provider`` after; fixture chat-stream-server-tool-usage): a role chunk,
reasoning deltas (``reasoning`` and ``reasoning_details`` in parallel, the signature in its own detail
without text, fixture chat-stream-reasoning-anthropic-signature), content deltas, tool-call deltas keyed
by ``index`` (id/name first with ``arguments: ""``, then argument fragments; fixture chat-stream-tool-call),
the finish chunk, then usage in a final chunk with ``choices: []``.

Image output (``modalities`` with ``"image"``) comes back as ``message.images`` /
``delta.images`` (``[{type: "image_url", image_url: {url: <data URL>}}]``, OpenRouter's image generation
guide); audio output as ``message.audio`` / ``delta.audio`` (``{id, data, transcript, expires_at}``,
OpenRouter's audio guide: transcript and base64 audio arrive piece by piece while streaming).
"""

from __future__ import annotations

import base64
from typing import Any

from ._planning import Generation, PlannedAudio, split_deltas

__all__ = ["chat_chunks", "chat_completion", "chat_error_body", "chat_error_chunk", "chat_usage"]

_REASONING_FORMAT = "anthropic-claude-v1"
_AUDIO_LIFETIME = 3600  # seconds until `expires_at`, as OpenAI's audio outputs


def chat_usage(gen: Generation) -> dict[str, Any]:
    cost, prompt_cost, completion_cost = gen.costs
    return {
        "prompt_tokens": gen.prompt_tokens,
        "completion_tokens": gen.completion_tokens,
        "total_tokens": gen.total_tokens,
        "cost": cost,
        "is_byok": False,
        "prompt_tokens_details": {
            "cached_tokens": 0,
            "cache_write_tokens": 0,
            "audio_tokens": 0,
            "video_tokens": 0,
        },
        "cost_details": {
            "upstream_inference_cost": cost,
            "upstream_inference_prompt_cost": prompt_cost,
            "upstream_inference_completions_cost": completion_cost,
        },
        "completion_tokens_details": {
            "reasoning_tokens": gen.plan.reasoning_tokens,
            "image_tokens": gen.plan.image_tokens,
            "audio_tokens": gen.plan.audio_tokens,
        },
    }


def _head(gen: Generation, obj: str) -> dict[str, Any]:
    return {
        "id": gen.id,
        "object": obj,
        "created": gen.created,
        "model": gen.model.id,
        "provider": "Emulator",
    }


def _tool_calls(gen: Generation) -> list[dict[str, Any]]:
    return [
        {
            "index": i,
            "id": c.call_id,
            "type": "function",
            "function": {"name": c.name, "arguments": c.arguments},
        }
        for i, c in enumerate(gen.plan.calls)
    ]


def _images(gen: Generation) -> list[dict[str, Any]]:
    assert gen.plan.image is not None
    return [{"type": "image_url", "image_url": {"url": gen.plan.image.data_url}}]


def _audio_head(gen: Generation, audio: PlannedAudio) -> dict[str, Any]:
    return {"id": gen.item_ids["audio"], "expires_at": gen.created + _AUDIO_LIFETIME}


def _audio_deltas(gen: Generation, audio: PlannedAudio) -> list[dict[str, Any]]:
    """The speech in pieces: each carries a transcript fragment and an independently decodable slice."""
    fragments = split_deltas(audio.transcript) or [""]
    size = -(-len(audio.data) // len(fragments))  # ceiling division: every byte in some piece
    pieces = []
    for index, fragment in enumerate(fragments):
        piece: dict[str, Any] = {
            "transcript": fragment,
            "data": base64.b64encode(audio.data[index * size : (index + 1) * size]).decode("ascii"),
        }
        if index == 0:
            piece = {"id": gen.item_ids["audio"], **piece}
        if index == len(fragments) - 1:
            piece["expires_at"] = gen.created + _AUDIO_LIFETIME
        pieces.append(piece)
    return pieces


def chat_completion(gen: Generation, *, text: str | None = None) -> dict[str, Any]:
    """The non-stream body. ``text`` overrides the plan's text (partial output of a failed call)."""
    plan = gen.plan
    show_reasoning = bool(plan.reasoning) and plan.reasoning_visible
    message: dict[str, Any] = {
        "role": "assistant",
        "content": plan.text if text is None else text,
        "refusal": None,
        "reasoning": plan.reasoning if show_reasoning else None,
    }
    if show_reasoning:
        message["reasoning_details"] = [
            {
                "type": "reasoning.text",
                "text": plan.reasoning,
                "signature": gen.reasoning_signature,
                "format": _REASONING_FORMAT,
                "index": 0,
            }
        ]
    if plan.calls:
        message["tool_calls"] = _tool_calls(gen)
    if plan.image is not None:
        message["images"] = _images(gen)
    if plan.audio is not None:
        message["audio"] = {
            **_audio_head(gen, plan.audio),
            "data": base64.b64encode(plan.audio.data).decode("ascii"),
            "transcript": plan.audio.transcript,
        }
    body = _head(gen, "chat.completion")
    # Newer captures carry it, as null (fixture chat-nonstream-reasoning-effort-high; the spec requires it).
    body["system_fingerprint"] = None
    body["choices"] = [
        {
            "logprobs": None,
            "finish_reason": plan.finish_reason,
            "native_finish_reason": plan.native_finish_reason,
            "index": 0,
            "message": message,
        }
    ]
    body["usage"] = chat_usage(gen)
    return body


def _chunk(
    gen: Generation, delta: dict[str, Any], finish: str | None = None, native: str | None = None
) -> dict[str, Any]:
    chunk = _head(gen, "chat.completion.chunk")
    chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": native}]
    return chunk


def chat_chunks(gen: Generation, *, text_fragments: int | None = None) -> list[dict[str, Any]]:
    """The stream's chunks, in order, without the final usage chunk when ``text_fragments`` cuts it short.

    ``text_fragments`` limits how many content deltas are produced (used by the mid-stream fault);
    when set, no finish and no usage chunk follow.
    """
    plan = gen.plan
    chunks = [_chunk(gen, {"role": "assistant", "content": ""})]
    if plan.reasoning and plan.reasoning_visible:
        for fragment in split_deltas(plan.reasoning):
            chunks.append(
                _chunk(
                    gen,
                    {
                        "role": "assistant",
                        "content": "",
                        "reasoning": fragment,
                        "reasoning_details": [
                            {
                                "type": "reasoning.text",
                                "text": fragment,
                                "format": _REASONING_FORMAT,
                                "index": 0,
                            }
                        ],
                    },
                )
            )
        chunks.append(
            _chunk(
                gen,
                {
                    "role": "assistant",
                    "content": "",
                    "reasoning": None,
                    "reasoning_details": [
                        {
                            "type": "reasoning.text",
                            "signature": gen.reasoning_signature,
                            "format": _REASONING_FORMAT,
                            "index": 0,
                        }
                    ],
                },
            )
        )
    fragments = split_deltas(plan.text)
    if text_fragments is not None:
        fragments = fragments[:text_fragments]
    for fragment in fragments:
        chunks.append(_chunk(gen, {"role": "assistant", "content": fragment}))
    if text_fragments is not None:
        return chunks
    if plan.image is not None:
        chunks.append(_chunk(gen, {"role": "assistant", "content": "", "images": _images(gen)}))
    if plan.audio is not None:
        chunks.extend(
            _chunk(gen, {"role": "assistant", "content": None, "audio": piece})
            for piece in _audio_deltas(gen, plan.audio)
        )
    for index, call in enumerate(plan.calls):
        chunks.append(
            _chunk(
                gen,
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call.call_id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": ""},
                        }
                    ],
                },
            )
        )
        half = len(call.arguments) // 2
        for part in (call.arguments[:half], call.arguments[half:]):
            if part:
                chunks.append(
                    _chunk(
                        gen,
                        {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [
                                {
                                    "index": index,
                                    "type": "function",
                                    "function": {"arguments": part},
                                }
                            ],
                        },
                    )
                )
    chunks.append(
        _chunk(gen, {"role": "assistant", "content": ""}, plan.finish_reason, plan.native_finish_reason)
    )
    usage_chunk = _head(gen, "chat.completion.chunk")
    usage_chunk["choices"] = []
    usage_chunk["usage"] = chat_usage(gen)
    chunks.append(usage_chunk)
    return chunks


_MIDSTREAM_ERROR = {
    "code": 502,
    "message": "Provider disconnected mid-stream",
    "metadata": {"error_type": "provider_unavailable", "provider_name": "Emulator"},
}


def chat_error_chunk(gen: Generation) -> dict[str, Any]:
    """A mid-stream error chunk (fixture doc-chat-midstream-error-typed): top-level ``error`` and
    ``finish_reason: "error"``."""
    chunk = _chunk(gen, {"content": ""}, "error", "error")
    chunk["error"] = dict(_MIDSTREAM_ERROR)
    return chunk


def chat_error_body(gen: Generation, partial_text: str) -> dict[str, Any]:
    """A 200 body whose choice failed (fixture doc-chat-nonstream-error-in-choice)."""
    body = chat_completion(gen, text=partial_text)
    choice = body["choices"][0]
    choice["finish_reason"] = choice["native_finish_reason"] = "error"
    choice["message"].pop("tool_calls", None)
    choice["error"] = dict(_MIDSTREAM_ERROR)
    return body
