"""Signed reasoning: how the emulator proves, statelessly, that a client replayed its reasoning verbatim.

Chat Completions carries a ``signature`` on ``reasoning.text`` details (Anthropic style, fixture
chat-stream-reasoning-anthropic-signature); the Responses API carries ``encrypted_content``, to which
OpenRouter appends ``.<base64 JSON {"endpoint_slug": ...}>`` (fixture responses-stream-reasoning-encrypted).
Both are HMACs of the reasoning text under the emulator's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from ._conversation import Conversation, Entry
from ._errors import RequestError

__all__ = ["ReasoningSigner", "check_reasoning_replay"]


class ReasoningSigner:
    """Signs the reasoning the emulator emits so a later request can prove it was replayed verbatim.

    Chat Completions carries a ``signature`` on ``reasoning.text`` details (Anthropic style, fixture
    chat-stream-reasoning-anthropic-signature); the Responses API carries ``encrypted_content``, to which
    OpenRouter appends ``.<base64 JSON {"endpoint_slug": ...}>``
    (fixture responses-stream-reasoning-encrypted).
    Both are HMACs of the reasoning text under the emulator's secret, so verification is stateless.
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def signature(self, text: str) -> str:
        digest = hmac.new(self._secret, text.encode("utf-8"), hashlib.sha256).digest()
        return base64.b64encode(b"EMU1" + digest).decode("ascii")

    def valid_signature(self, text: str, signature: str) -> bool:
        return hmac.compare_digest(self.signature(text), signature)

    def encrypted_content(self, text: str, model_id: str) -> str:
        payload = json.dumps({"text": text, "sig": self.signature(text)}, separators=(",", ":"))
        slug = json.dumps({"endpoint_slug": f"{model_id}|emulator"}, separators=(",", ":"))
        return f"{_b64url(payload)}.{_b64url(slug)}"

    def decrypt(self, content: str) -> str | None:
        """The reasoning text inside ``encrypted_content``, or None when it was altered."""
        try:
            head = content.split(".", 1)[0]
            payload = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
            text, sig = payload["text"], payload["sig"]
        except (ValueError, KeyError, TypeError):
            return None
        if isinstance(text, str) and isinstance(sig, str) and self.valid_signature(text, sig):
            return text
        return None


def _b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def check_reasoning_replay(conversation: Conversation, signer: ReasoningSigner) -> None:
    """Reject history whose reasoning was dropped or altered, like Gemini/Anthropic/OpenAI do.

    * Altered reasoning (bad signature or encrypted content) anywhere → 400, as Anthropic rejects an
      invalid thinking-block signature.
    * An assistant turn with tool calls and no reasoning → 400 with the message OpenRouter relays from
      Gemini 3 (fixture error-400-gemini-reasoning-details-required; reference §3.3).
    """
    for position, entry in enumerate(conversation.entries):
        if entry.role != "assistant":
            continue
        verdict = _reasoning_verdict(entry, signer)
        if verdict == "altered":
            raise RequestError(
                400,
                "Provider returned error",
                metadata={
                    "provider_name": "Emulator",
                    "raw": json.dumps(
                        {
                            "type": "error",
                            "error": {
                                "type": "invalid_request_error",
                                "message": f"messages.{position}.content.0: "
                                "Invalid `signature` in `thinking` block",
                            },
                        }
                    ),
                },
            )
        if verdict == "missing" and entry.calls:
            call = entry.calls[0]
            raise RequestError(
                400,
                "Provider returned error",
                metadata={
                    "provider_name": "Emulator",
                    "raw": (
                        "Gemini models require OpenRouter reasoning details to be preserved in each "
                        "request. Please refer to our docs: https://openrouter.ai/docs/use-cases/"
                        "reasoning-tokens#preserving-reasoning-blocks. Upstream error: Function call is "
                        f"missing a thought_signature in functionCall parts (function call `{call.name}`, "
                        f"message {position})."
                    ),
                },
            )


def _reasoning_verdict(entry: Entry, signer: ReasoningSigner) -> str:
    """``ok`` (verifiable reasoning present), ``missing`` or ``altered``."""
    if not entry.reasoning:
        return "missing"
    texts: dict[Any, list[str]] = {}
    signatures: dict[Any, str] = {}
    found = False
    for record in entry.reasoning:
        kind = record.get("type")
        if kind == "reasoning.text":
            # Streamed details may be replayed fragment by fragment: join them per index.
            key = record.get("index", 0)
            if isinstance(record.get("text"), str):
                texts.setdefault(key, []).append(record["text"])
            if isinstance(record.get("signature"), str) and record["signature"]:
                signatures[key] = record["signature"]
        elif kind == "reasoning.encrypted" or (kind == "reasoning" and record.get("encrypted_content")):
            data = record.get("data") if kind == "reasoning.encrypted" else record.get("encrypted_content")
            if not isinstance(data, str) or signer.decrypt(data) is None:
                return "altered"
            found = True
    for key, signature in signatures.items():
        if not signer.valid_signature("".join(texts.get(key, [])), signature):
            return "altered"
        found = True
    return "ok" if found else "missing"
