"""The account room: the calling key, credits, generations, activity, feedback and key management.

``GET /key``, ``GET /credits``, ``GET /generation``, ``GET /generation/content``,
``POST /generation/feedback``, ``GET /activity`` and ``/keys`` (list, create, get, update, delete).
Management endpoints answer OpenRouter's 403 to an ordinary key once ``Emulator(management_keys=...)``
names the management keys (by default every key may manage, so tests need no setup). Keys created here
are real emulator keys: they authenticate, their usage grows with what they spend, and a disabled or
deleted key is refused.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from ._asgi import Reply, json_reply
from ._context import Context, utc_iso
from ._errors import RequestError, not_found
from ._routing import Request, Router
from ._shapes import Shape
from ._state import ManagedKey

__all__ = ["AccountRoom"]

_RATE_LIMIT = {"requests": -1, "interval": "10s", "note": "This field is deprecated and safe to ignore."}
_LIMIT_RESETS = ["daily", "weekly", "monthly", None]
_CREATE_KEY: Shape = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "limit": {"type": ["number", "null"]},
        "limit_reset": {"type": ["string", "null"], "enum": _LIMIT_RESETS},
        "include_byok_in_limit": {"type": "boolean"},
        "expires_at": {"type": ["string", "null"]},
        "creator_user_id": {"type": ["string", "null"]},
        "workspace_id": {"type": "string"},
    },
}
_UPDATE_KEY: Shape = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "disabled": {"type": "boolean"},
        "limit": {"type": ["number", "null"]},
        "limit_reset": {"type": ["string", "null"], "enum": _LIMIT_RESETS},
        "include_byok_in_limit": {"type": "boolean"},
    },
}
_FEEDBACK: Shape = {
    "type": "object",
    "required": ["generation_id", "category"],
    "properties": {
        "generation_id": {"type": "string", "minLength": 1},
        "category": {
            "type": "string",
            "enum": [
                "latency",
                "incoherence",
                "incorrect_response",
                "formatting",
                "billing",
                "api_error",
                "other",
            ],
        },
        "comment": {"type": "string", "maxLength": 1000},
    },
}
_KEYS_PAGE = 100


class AccountRoom:
    """Serves the account endpoints."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def register(self, router: Router) -> None:
        router.add("GET", "/key", self.current_key)
        router.add("GET", "/credits", self.credits)
        router.add("GET", "/generation", self.generation)
        router.add("GET", "/generation/content", self.generation_content)
        router.add("POST", "/generation/feedback", self.generation_feedback)
        router.add("GET", "/activity", self.activity)
        router.add("GET", "/keys", self.list_keys)
        router.add("POST", "/keys", self.create_key)
        router.add("GET", "/keys/{hash}", self.get_key)
        router.add("PATCH", "/keys/{hash}", self.update_key)
        router.add("DELETE", "/keys/{hash}", self.delete_key)

    # -- the calling key and the account ------------------------------------------------------------------
    async def current_key(self, request: Request) -> Reply:
        key = self.ctx.authenticate(request)
        managed = self.ctx.managed_key(key)
        if managed is not None:
            info = _key_info(managed)
            data = {k: info[k] for k in _CURRENT_KEY_FIELDS}
        else:
            with self.ctx.lock:
                usage = self.ctx.state.total_cost
            data = {
                "label": f"{key[:11]}...{key[-3:]}" if len(key) > 16 else "emulator-key",
                "limit": None,
                "limit_remaining": None,
                "limit_reset": None,
                "usage": usage,
                "usage_daily": usage,
                "usage_weekly": usage,
                "usage_monthly": usage,
                "byok_usage": 0,
                "byok_usage_daily": 0,
                "byok_usage_weekly": 0,
                "byok_usage_monthly": 0,
                "include_byok_in_limit": False,
                "expires_at": None,
                "creator_user_id": "user_emulator",
            }
        data.update(
            is_free_tier=False,
            is_management_key=self.ctx.settings.management_keys is not None
            and self.ctx.is_management_key(key),
            is_provisioning_key=False,
            rate_limit=dict(_RATE_LIMIT),
        )
        return json_reply(200, {"data": data})

    async def credits(self, request: Request) -> Reply:
        # Management keys only (fixture spec-credits-get, reference §10.4).
        self.ctx.authenticate_management(request)
        with self.ctx.lock:
            used = self.ctx.state.total_cost
        return json_reply(200, {"data": {"total_credits": self.ctx.settings.credits, "total_usage": used}})

    # -- generations ----------------------------------------------------------------------------------------
    def _generation_id(self, request: Request) -> str:
        gen_id = request.query.get("id")
        if not gen_id:
            raise RequestError(400, "id: required query parameter")
        return gen_id

    async def generation(self, request: Request) -> Reply:
        self.ctx.authenticate(request)
        gen_id = self._generation_id(request)
        with self.ctx.lock:
            record = self.ctx.state.generations.get(gen_id)
        if record is None:
            raise RequestError(404, f"Generation {gen_id} not found")
        return json_reply(200, {"data": record})

    async def generation_content(self, request: Request) -> Reply:
        self.ctx.authenticate(request)
        gen_id = self._generation_id(request)
        with self.ctx.lock:
            content = self.ctx.state.contents.get(gen_id)
        if content is None:
            raise RequestError(404, f"Generation {gen_id} not found")
        return json_reply(200, {"data": content})

    async def generation_feedback(self, request: Request) -> Reply:
        self.ctx.authenticate_management(request)
        body = self.ctx.read_body(request, "SubmitGenerationFeedbackRequest", _FEEDBACK)
        with self.ctx.lock:
            if body["generation_id"] not in self.ctx.state.generations:
                raise RequestError(404, f"Generation {body['generation_id']} not found")
            self.ctx.state.feedback.append(dict(body))
        return json_reply(200, {"data": {"success": True}})

    async def activity(self, request: Request) -> Reply:
        """Spend per day and model. Unlike OpenRouter's (completed days only), today is included."""
        self.ctx.authenticate_management(request)
        day = request.query.get("date")
        rows: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
        with self.ctx.lock:
            records = list(self.ctx.state.generations.values())
        for record in records:
            date = str(record["created_at"])[:10]
            if day and date != day:
                continue
            row = rows[(date, record["model"])]
            if not row:
                row.update(
                    date=date,
                    model=record["model"],
                    model_permaslug=record["model"],
                    endpoint_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"emulator:{record['model']}")),
                    provider_name="Emulator",
                    usage=0.0,
                    byok_usage_inference=0.0,
                    requests=0,
                    prompt_tokens=0,
                    completion_tokens=0,
                    reasoning_tokens=0,
                )
            row["usage"] += float(record["total_cost"])
            row["requests"] += 1
            row["prompt_tokens"] += int(record["tokens_prompt"] or 0)
            row["completion_tokens"] += int(record["tokens_completion"] or 0)
            row["reasoning_tokens"] += int(record["native_tokens_reasoning"] or 0)
        return json_reply(200, {"data": [rows[k] for k in sorted(rows)]})

    # -- key management -------------------------------------------------------------------------------------
    def _find(self, request: Request) -> ManagedKey:
        with self.ctx.lock:
            managed = self.ctx.state.keys.get(request.params["hash"])
        if managed is None:
            raise not_found()
        return managed

    async def list_keys(self, request: Request) -> Reply:
        self.ctx.authenticate_management(request)
        include_disabled = request.query.get("include_disabled", "false").lower() == "true"
        try:
            offset = max(0, int(request.query.get("offset", "0") or 0))
        except ValueError:
            raise RequestError(400, "offset: expected an integer") from None
        with self.ctx.lock:
            keys = [k for k in self.ctx.state.keys.values() if include_disabled or not k.disabled]
        return json_reply(200, {"data": [_key_info(k) for k in keys[offset : offset + _KEYS_PAGE]]})

    async def create_key(self, request: Request) -> Reply:
        self.ctx.authenticate_management(request)
        body = self.ctx.read_body(request, "POST /keys", _CREATE_KEY)
        managed = self.ctx.create_key(
            body["name"],
            limit=body.get("limit"),
            limit_reset=body.get("limit_reset"),
            include_byok_in_limit=bool(body.get("include_byok_in_limit", False)),
            expires_at=body.get("expires_at"),
            creator_user_id=body.get("creator_user_id"),
        )
        # The plaintext key is returned once, here; it cannot be read back later (spec `POST /keys`).
        return json_reply(201, {"data": _key_info(managed), "key": managed.key})

    async def get_key(self, request: Request) -> Reply:
        self.ctx.authenticate_management(request)
        return json_reply(200, {"data": _key_info(self._find(request))})

    async def update_key(self, request: Request) -> Reply:
        self.ctx.authenticate_management(request)
        managed = self._find(request)
        body = self.ctx.read_body(request, "PATCH /keys/{hash}", _UPDATE_KEY)
        with self.ctx.lock:
            for field in ("name", "disabled", "limit", "limit_reset", "include_byok_in_limit"):
                if field in body:
                    setattr(managed, field, body[field])
            managed.updated_at = utc_iso(self.ctx.settings.clock())
        return json_reply(200, {"data": _key_info(managed)})

    async def delete_key(self, request: Request) -> Reply:
        self.ctx.authenticate_management(request)
        managed = self._find(request)
        with self.ctx.lock:
            self.ctx.state.keys.pop(managed.hash, None)
            self.ctx.state.revoked.add(managed.hash)
        return json_reply(200, {"deleted": True})


_CURRENT_KEY_FIELDS = (
    "label",
    "limit",
    "limit_remaining",
    "limit_reset",
    "usage",
    "usage_daily",
    "usage_weekly",
    "usage_monthly",
    "byok_usage",
    "byok_usage_daily",
    "byok_usage_weekly",
    "byok_usage_monthly",
    "include_byok_in_limit",
    "expires_at",
    "creator_user_id",
)


def _key_info(managed: ManagedKey) -> dict[str, Any]:
    """A managed key as the ``/keys`` endpoints describe it (never the key itself)."""
    usage = managed.usage
    return {
        "hash": managed.hash,
        "name": managed.name,
        "label": managed.name,
        "disabled": managed.disabled,
        "limit": managed.limit,
        "limit_remaining": None if managed.limit is None else max(0.0, managed.limit - usage),
        "limit_reset": managed.limit_reset,
        "include_byok_in_limit": managed.include_byok_in_limit,
        "usage": usage,
        "usage_daily": usage,
        "usage_weekly": usage,
        "usage_monthly": usage,
        "byok_usage": 0.0,
        "byok_usage_daily": 0.0,
        "byok_usage_weekly": 0.0,
        "byok_usage_monthly": 0.0,
        "created_at": managed.created_at,
        "updated_at": managed.updated_at,
        "expires_at": managed.expires_at,
        "creator_user_id": managed.creator_user_id,
        "workspace_id": managed.workspace_id,
    }
