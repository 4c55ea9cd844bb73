"""What the emulator remembers between requests: recorded requests, generations, keys, auth codes, jobs.

Plain data, guarded by the context's lock (the app serves requests from several threads and loops).
:meth:`State.fresh` is what ``Emulator.reset()`` swaps in.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AuthCode", "ManagedKey", "RecordedRequest", "State", "VideoJob"]


@dataclass(slots=True)
class RecordedRequest:
    """A request the emulator received: assert on it in your tests (``emulator.requests[-1].body``).

    ``headers`` are lower-cased; the API key is never kept (``authorization`` is masked).
    ``body`` is the decoded JSON body (None when there was none or it was not JSON);
    ``status`` is the HTTP status answered; ``generation_id`` is set when a generation was produced.
    """

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    model: str | None = None
    generation_id: str | None = None


@dataclass(slots=True)
class ManagedKey:
    """An API key created through ``POST /keys`` or the OAuth exchange (``POST /auth/keys``)."""

    key: str
    hash: str
    name: str
    created_at: str
    limit: float | None = None
    limit_reset: str | None = None
    include_byok_in_limit: bool = False
    expires_at: str | None = None
    disabled: bool = False
    updated_at: str | None = None
    creator_user_id: str | None = None
    workspace_id: str = "00000000-0000-4000-8000-000000000000"
    usage: float = 0.0


@dataclass(slots=True)
class AuthCode:
    """An OAuth PKCE authorization code waiting to be exchanged for a key (single use)."""

    code: str
    callback_url: str
    challenge: str | None
    method: str
    created: float
    limit: float | None = None
    key_label: str | None = None
    expires_at: str | None = None


@dataclass(slots=True)
class VideoJob:
    """A ``POST /videos`` job: ``in_progress`` for the first polls, then ``completed``."""

    id: str
    generation_id: str
    model: str
    prompt: str
    duration: int
    resolution: str
    cost: float
    polls: int = 0


@dataclass(slots=True)
class State:
    rng: random.Random
    requests: deque[RecordedRequest]
    attempts: dict[str, int] = field(default_factory=dict)
    generations: dict[str, dict[str, Any]] = field(default_factory=dict)
    contents: dict[str, dict[str, Any]] = field(default_factory=dict)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, ManagedKey] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)  # hashes of deleted keys, refused from then on
    auth_codes: dict[str, AuthCode] = field(default_factory=dict)
    videos: dict[str, VideoJob] = field(default_factory=dict)
    total_cost: float = 0.0

    @classmethod
    def fresh(cls, seed: int | None, max_recorded: int) -> State:
        return cls(random.Random(seed), deque(maxlen=max_recorded))
