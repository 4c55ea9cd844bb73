"""The local log of exchanges: a SQLite database (``chat-openrouter logs path`` shows where).

Two tables. ``conversations`` holds each conversation's lossless JSON form (``Messages.to_json()``:
reasoning signatures and encrypted blobs included), so ``chat -c`` / ``--cid`` continue it exactly as it
was. ``exchanges`` holds one row per prompt: when, which model answered, the prompt and the answer,
tokens, cost, and whether it completed, was interrupted or failed. The API key is never passed to this
module, so it cannot be written here.

The schema version is ``PRAGMA user_version``; a database from a newer release is refused with a clear
error instead of being misread. The file is created user-only (0600): it holds your prompts.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._config import make_private_dir
from ._output import UsageError

__all__ = ["Exchange", "LogStore", "StoreError", "StoredConversation"]

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    model TEXT,
    messages TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS exchanges (
    id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    created TEXT NOT NULL,
    status TEXT NOT NULL,
    model TEXT,
    response_model TEXT,
    provider TEXT,
    generation_id TEXT,
    system TEXT,
    prompt TEXT,
    attachments TEXT,
    options TEXT,
    response TEXT,
    reasoning TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    reasoning_tokens INTEGER,
    cached_tokens INTEGER,
    cost REAL,
    finish_reason TEXT,
    duration_ms INTEGER,
    error TEXT
);
CREATE INDEX IF NOT EXISTS exchanges_by_conversation ON exchanges (conversation_id);
CREATE INDEX IF NOT EXISTS conversations_by_update ON conversations (updated);
"""


class StoreError(Exception):
    """The log database cannot be used (unreadable, corrupt, from a newer release)."""


def now() -> str:
    """The current time, UTC, ISO 8601 to the millisecond (sorts as text)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_conversation_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class Exchange:
    """One prompt and what came back: a row of ``exchanges``."""

    conversation_id: str
    status: str  # "ok", "interrupted" or "error"
    model: str
    prompt: str
    system: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    response: str = ""
    reasoning: str = ""
    response_model: str | None = None
    provider: str | None = None
    generation_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    cost: float | None = None
    finish_reason: str | None = None
    duration_ms: int | None = None
    error: str | None = None
    created: str = field(default_factory=now)
    id: int | None = None


@dataclass(frozen=True)
class StoredConversation:
    id: str
    model: str | None
    messages_json: str
    updated: str


class LogStore:
    """The log database at ``path``. Opening creates it (and its folder) unless ``create=False``."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        if not create and not path.exists():
            raise FileNotFoundError(path)
        try:
            if create and not path.exists():
                make_private_dir(path.parent)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(path, timeout=10)
            self._db.row_factory = sqlite3.Row
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot use the log database {path}: {exc}") from None
        except OSError as exc:
            raise StoreError(f"cannot create the log database {path}: {exc.strerror or exc}") from None

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the log database {self.path} was written by a newer chat-openrouter "
                f"(schema {version}, this one knows {SCHEMA_VERSION}): upgrade, or move the file away"
            )
        if version < SCHEMA_VERSION:
            with self._db:
                self._db.executescript(_SCHEMA)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> LogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"the log database {self.path}: {exc}") from None

    # -- writing ----------------------------------------------------------------------------------------
    def record(self, exchange: Exchange, *, messages_json: str | None) -> int:
        """Add ``exchange``; when ``messages_json`` is given, it becomes the conversation's saved form."""
        row = asdict(exchange)
        row.pop("id")
        row["attachments"] = json.dumps(row["attachments"]) if row["attachments"] else None
        row["options"] = json.dumps(row["options"]) if row["options"] else None
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        with self._errors(), self._db:
            if messages_json is not None:
                self._db.execute(
                    "INSERT INTO conversations (id, created, updated, model, messages) "
                    "VALUES (:id, :at, :at, :model, :messages) ON CONFLICT (id) DO UPDATE SET "
                    "updated = :at, model = :model, messages = :messages",
                    {
                        "id": exchange.conversation_id,
                        "at": exchange.created,
                        "model": exchange.model,
                        "messages": messages_json,
                    },
                )
            cursor = self._db.execute(f"INSERT INTO exchanges ({columns}) VALUES ({marks})", row)
        return int(cursor.lastrowid or 0)

    # -- reading ----------------------------------------------------------------------------------------
    def latest_conversation(self) -> StoredConversation | None:
        with self._errors():
            row = self._db.execute(
                "SELECT id, model, messages, updated FROM conversations ORDER BY updated DESC, rowid DESC LIMIT 1"
            ).fetchone()
        return _conversation(row) if row else None

    def conversation(self, wanted: str) -> StoredConversation:
        """The conversation with this id, or the only one whose id starts with it (as git does)."""
        wanted = wanted.strip()
        if not wanted:
            raise UsageError("--cid: empty conversation id")
        with self._errors():
            row = self._db.execute(
                "SELECT id, model, messages, updated FROM conversations WHERE id = ?", (wanted,)
            ).fetchone()
            if row is not None:
                return _conversation(row)
            escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rows = self._db.execute(
                "SELECT id, model, messages, updated FROM conversations WHERE id LIKE ? ESCAPE '\\' "
                "ORDER BY updated DESC LIMIT 6",
                (escaped + "%",),
            ).fetchall()
        if not rows:
            raise UsageError(f"--cid {wanted}: no such conversation (`chat-openrouter logs` lists them)")
        if len(rows) > 1:
            ids = ", ".join(r["id"] for r in rows[:5])
            raise UsageError(f"--cid {wanted}: ambiguous, it starts {ids}{' ...' if len(rows) > 5 else ''}")
        return _conversation(rows[0])

    def exchanges(self, *, limit: int | None, conversation_id: str | None = None) -> list[Exchange]:
        """The last ``limit`` exchanges (all when None), oldest first."""
        query = "SELECT * FROM exchanges"
        params: list[Any] = []
        if conversation_id is not None:
            query += " WHERE conversation_id = ?"
            params.append(conversation_id)
        query += " ORDER BY id DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        with self._errors():
            rows = self._db.execute(query, params).fetchall()
        return [_exchange(row) for row in reversed(rows)]


def _conversation(row: sqlite3.Row) -> StoredConversation:
    return StoredConversation(row["id"], row["model"], row["messages"], row["updated"])


def _exchange(row: sqlite3.Row) -> Exchange:
    values = dict(row)
    attachments = _json(values.get("attachments"))
    options = _json(values.get("options"))
    values["attachments"] = attachments if isinstance(attachments, list) else []
    values["options"] = options if isinstance(options, dict) else {}
    values["response"] = values.get("response") or ""
    values["reasoning"] = values.get("reasoning") or ""
    return Exchange(**{k: v for k, v in values.items() if k in Exchange.__dataclass_fields__})


def _json(text: Any) -> Any:
    """A JSON column; a row edited by hand into something unreadable reads as empty, not as a crash."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
