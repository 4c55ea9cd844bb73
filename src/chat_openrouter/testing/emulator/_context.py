"""The emulator's shared context: its settings, its memory, and the checks every room makes.

Each room (inference, account, discovery, media, auth) holds the same :class:`Context`: who may call
(:meth:`Context.authenticate`, :meth:`Context.authenticate_management`), which model answers
(:meth:`Context.model`), what the optional spec validator says (:meth:`Context.validate`), ids, the
clock, and the generation records ``GET /generation`` serves.
"""

from __future__ import annotations

import hashlib
import string
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ._catalog import EmulatedModel
from ._errors import RequestError, unknown_model, wrong_endpoint
from ._routing import Request
from ._shapes import Shape, check
from ._signing import ReasoningSigner
from ._state import ManagedKey, State

__all__ = ["Context", "Settings", "Validator", "generation_record", "key_hash", "utc_iso"]

#: ``validator(body, schema_name) -> error messages``. ``schema_name`` is the spec's component name when
#: the spec names the request schema (``"ChatRequest"``, ``"ResponsesRequest"``,
#: ``"ImageGenerationRequest"``, ...) and ``"METHOD /path"`` otherwise (``"POST /embeddings"``). Return an
#: empty iterable (or None) when the body is valid; raising counts as one error. Tests plug in a
#: jsonschema validator over the OpenAPI spec.
Validator = Callable[[dict[str, Any], str], Iterable[str] | None]

ALNUM = string.ascii_letters + string.digits
LOWER = string.ascii_lowercase + string.digits


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything an ``Emulator(...)`` was configured with that the rooms read."""

    api_keys: frozenset[str] | None
    management_keys: frozenset[str] | None
    validator: Validator | None
    retry_after: float
    slow_start_delay: float
    slow_chunk_delay: float
    keepalive_interval: float
    credits: float
    clock: Callable[[], float]
    video_polls: int
    max_body_bytes: int
    max_json_depth: int
    body_timeout: float


def key_hash(key: str) -> str:
    """The id OpenRouter's key-management endpoints use for a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def utc_iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat().replace("+00:00", "Z")


class Context:
    """Settings + state + models, shared by every room of one emulator."""

    def __init__(
        self,
        settings: Settings,
        models: Mapping[str, EmulatedModel],
        signer: ReasoningSigner,
        seed: int | None,
        max_recorded: int,
    ) -> None:
        self.settings = settings
        self.models = dict(models)
        self.signer = signer
        self.lock = threading.Lock()
        self._seed = seed
        self._max_recorded = max_recorded
        self.state = State.fresh(seed, max_recorded)

    def reset(self) -> None:
        with self.lock:
            self.state = State.fresh(self._seed, self._max_recorded)

    # -- time and ids -------------------------------------------------------------------------------------
    def now(self) -> int:
        return int(self.settings.clock())

    def token(self, k: int, alphabet: str = ALNUM) -> str:
        """``k`` characters from the seeded generator (same seed, same ids)."""
        with self.lock:
            return "".join(self.state.rng.choices(alphabet, k=k))

    def generation_id(self, now: int | None = None) -> str:
        return f"gen-{self.now() if now is None else now}-{self.token(20)}"

    # -- who is calling -----------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> str:
        """The caller's API key, or a 401 in OpenRouter's words (fixture error-401-no-auth-credentials)."""
        value = request.headers.get("authorization", "")
        scheme, _, key = value.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise RequestError(401, "No auth credentials found")
        managed = self.managed_key(key)
        if managed is not None:
            if managed.disabled:
                raise RequestError(401, "User not found.")
            return key
        with self.lock:
            revoked = key_hash(key) in self.state.revoked
        if revoked:
            raise RequestError(401, "User not found.")
        accepted = self.settings.api_keys
        if accepted is not None and key not in accepted and key not in (self.settings.management_keys or ()):
            raise RequestError(401, "User not found.")
        return key

    def authenticate_management(self, request: Request) -> str:
        """A key allowed to manage the account: 401 without a key, 403 with an ordinary one."""
        key = self.authenticate(request)
        if not self.is_management_key(key):
            raise RequestError(403, "Only management keys can perform this operation")
        return key

    def is_management_key(self, key: str) -> bool:
        # By default every key may manage, so tests need no setup; `management_keys` restores the 403s.
        allowed = self.settings.management_keys
        return allowed is None or key in allowed

    def managed_key(self, key: str) -> ManagedKey | None:
        with self.lock:
            return self.state.keys.get(key_hash(key))

    def create_key(self, name: str, **fields: Any) -> ManagedKey:
        """A new API key the emulator accepts from now on (``POST /keys``, the OAuth exchange)."""
        key = "sk-or-v1-" + self.token(64, "0123456789abcdef")
        managed = ManagedKey(key, key_hash(key), name, utc_iso(self.settings.clock()), **fields)
        with self.lock:
            self.state.keys[managed.hash] = managed
        return managed

    # -- what answers -------------------------------------------------------------------------------------
    def model(self, model_id: Any, *, behaviours: Iterable[str], path: str) -> EmulatedModel:
        """The model serving ``model_id`` on ``path``: 400 when unknown or served elsewhere."""
        if not isinstance(model_id, str) or not model_id:
            raise RequestError(400, "model: required (a model id such as emulator/embedding)")
        model = self.models.get(model_id)
        if model is None:
            raise unknown_model(model_id)
        if model.behaviour not in set(behaviours):
            raise wrong_endpoint(model_id, path)
        return model

    def validate(self, body: dict[str, Any], schema_name: str) -> None:
        """Run the plugged-in spec validator, if any: its first complaint becomes a 400."""
        validator = self.settings.validator
        if validator is None:
            return
        try:
            errors = list(validator(body, schema_name) or ())
        except Exception as exc:
            errors = [str(exc) or type(exc).__name__]
        if errors:
            raise RequestError(400, f"Invalid request: {errors[0]}", metadata={"errors": errors[:20]})

    def read_body(self, request: Request, schema_name: str, shape: Shape) -> dict[str, Any]:
        """The JSON object body, checked against the room's ``shape`` and the plugged-in validator."""
        body = request.json_object()
        self.validate(body, schema_name)
        check(body, shape)
        return body

    # -- generations --------------------------------------------------------------------------------------
    def remember(
        self, record: dict[str, Any], *, key: str | None, content: dict[str, Any] | None = None
    ) -> None:
        """Keep a generation's ``GET /generation`` record (and its content), and bill it."""
        cost = float(record["total_cost"])
        with self.lock:
            self.state.generations[record["id"]] = record
            if content is not None:
                self.state.contents[record["id"]] = content
            self.state.total_cost += cost
            managed = self.state.keys.get(key_hash(key)) if key else None
            if managed is not None:
                managed.usage += cost

    def mark_cancelled(self, gen_id: str) -> None:
        with self.lock:
            record = self.state.generations.get(gen_id)
            if record is not None:
                record["cancelled"] = True


def generation_record(
    gen_id: str,
    *,
    created: int,
    model: EmulatedModel,
    cost: float,
    api_type: str,
    request: Request,
    prompt_tokens: int,
    completion_tokens: int,
    streamed: bool = False,
    finish_reason: str | None = None,
    native_finish_reason: str | None = None,
    reasoning_tokens: int = 0,
    media_prompt: int = 0,
    media_completion: int = 0,
    generation_time: float | None = None,
) -> dict[str, Any]:
    """A generation as ``GET /generation`` returns it (spec ``GenerationResponse``, fixture
    spec-generation-get). ``api_type`` is one of the spec's: completions, embeddings, rerank, tts, stt,
    video, image."""
    headers = request.headers
    return {
        "id": gen_id,
        "upstream_id": f"emu-{gen_id[4:]}",
        "total_cost": cost,
        "usage": cost,
        "cache_discount": None,
        "upstream_inference_cost": None,
        "created_at": datetime.fromtimestamp(created, tz=UTC).isoformat(),
        "model": model.id,
        "app_id": None,
        "streamed": streamed,
        "cancelled": False,
        "provider_name": "Emulator",
        "latency": 5,
        "moderation_latency": None,
        "generation_time": 10 + completion_tokens if generation_time is None else generation_time,
        "finish_reason": finish_reason,
        "native_finish_reason": native_finish_reason,
        "tokens_prompt": prompt_tokens,
        "tokens_completion": completion_tokens,
        "native_tokens_prompt": prompt_tokens,
        "native_tokens_completion": completion_tokens,
        "native_tokens_completion_images": 0,
        "native_tokens_reasoning": reasoning_tokens,
        "native_tokens_cached": 0,
        "num_media_prompt": media_prompt,
        "num_input_audio_prompt": 0,
        "num_media_completion": media_completion,
        "num_search_results": 0,
        "num_fetches": 0,
        "origin": headers.get("http-referer", ""),
        "http_referer": headers.get("http-referer"),
        "user_agent": headers.get("user-agent", ""),
        "api_type": api_type,
        "is_byok": False,
        "router": None,
        "session_id": headers.get("x-session-id"),
        "external_user": None,
        "web_search_engine": None,
        "data_region": "global",
        "preset_id": None,
        "provider_responses": None,
        "service_tier": None,
        "workspace_id": None,
    }
