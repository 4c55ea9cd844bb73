"""Where the command keeps its files, and the stored key and model aliases.

* config folder (``keys.json``, ``aliases.json``): ``$XDG_CONFIG_HOME/chat-openrouter`` (default
  ``~/.config/chat-openrouter``) on Linux and BSD, ``~/Library/Application Support/chat-openrouter`` on
  macOS, ``%APPDATA%\\chat-openrouter`` on Windows;
* data folder (``logs.db``): ``$XDG_DATA_HOME/chat-openrouter`` (default ``~/.local/share/chat-openrouter``),
  the same Application Support folder on macOS, ``%LOCALAPPDATA%\\chat-openrouter`` on Windows;
* ``CHAT_OPENROUTER_HOME`` puts both in one folder of your choice (tests, containers, a portable setup).

The key file is written user-only (0600, in a 0700 folder) and replaced atomically, so an interrupted
``keys set`` never leaves half a key. ``OPENROUTER_API_KEY``, when set, always wins over the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

from ._output import UsageError, warn

__all__ = [
    "HOME_ENV",
    "KEY_ENV",
    "MODEL_ENV",
    "NO_LOG_ENV",
    "aliases_path",
    "config_dir",
    "data_dir",
    "env_flag",
    "key_path",
    "load_aliases",
    "logs_path",
    "remove_key",
    "resolve_key",
    "resolve_model",
    "save_aliases",
    "store_key",
    "validate_key",
]

HOME_ENV = "CHAT_OPENROUTER_HOME"
NO_LOG_ENV = "CHAT_OPENROUTER_NO_LOG"
KEY_ENV = "OPENROUTER_API_KEY"
MODEL_ENV = "OPENROUTER_MODEL"
_APP = "chat-openrouter"


def env_flag(name: str) -> bool:
    """True when the environment variable is set to 1, true, yes or on (any case)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _xdg(variable: str, fallback: str) -> Path:
    # The XDG spec says a relative path in these variables is invalid and must be ignored.
    value = os.environ.get(variable, "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / fallback


def config_dir() -> Path:
    """The folder for ``keys.json`` and ``aliases.json`` (see the module docstring)."""
    home = os.environ.get(HOME_ENV, "").strip()
    if home:
        return Path(home).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / _APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / _APP
    return _xdg("XDG_CONFIG_HOME", ".config") / _APP


def data_dir() -> Path:
    """The folder for ``logs.db`` (see the module docstring)."""
    home = os.environ.get(HOME_ENV, "").strip()
    if home:
        return Path(home).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / _APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / _APP
    return _xdg("XDG_DATA_HOME", ".local/share") / _APP


def key_path() -> Path:
    return config_dir() / "keys.json"


def aliases_path() -> Path:
    return config_dir() / "aliases.json"


def logs_path() -> Path:
    return data_dir() / "logs.db"


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) readable by the user only; an existing folder is left as it is."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def write_file(path: Path, text: str, *, mode: int = 0o600) -> None:
    """Replace ``path`` atomically with ``text``, created with ``mode`` (never briefly wider)."""
    make_private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)  # O_CREAT's mode is filtered by umask and ignored for an old file
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _read_json_object(path: Path, what: str) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read the {what} file {path}: {exc.strerror or exc}") from None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise UsageError(f"the {what} file {path} is not a JSON object: fix it or delete it")
    return value


# -- the API key ------------------------------------------------------------------------------------------
def validate_key(key: str) -> str:
    """The key without surrounding whitespace; UsageError (never echoing the key) if it cannot be one."""
    key = key.strip()
    if not key:
        raise UsageError("the key is empty")
    if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        raise UsageError("the key contains spaces, control or non-ASCII characters: paste only the key")
    return key


def store_key(key: str) -> Path:
    """Save the OpenRouter key in the user-only key file; returns its path."""
    path = key_path()
    stored = _read_json_object(path, "key") or {}
    stored["openrouter"] = validate_key(key)
    write_file(path, json.dumps(stored, indent=2) + "\n", mode=0o600)
    return path


def remove_key() -> bool:
    """Forget the stored key; False when there was none."""
    path = key_path()
    stored = _read_json_object(path, "key")
    if not stored or "openrouter" not in stored:
        return False
    del stored["openrouter"]
    if stored:
        write_file(path, json.dumps(stored, indent=2) + "\n", mode=0o600)
    else:
        path.unlink()
    return True


def stored_key() -> str | None:
    """The key saved by ``keys set``, or None."""
    path = key_path()
    stored = _read_json_object(path, "key")
    if not stored:
        return None
    key = stored.get("openrouter")
    if not isinstance(key, str) or not key.strip():
        return None
    if sys.platform != "win32":
        with contextlib.suppress(OSError):
            if stat.S_IMODE(path.stat().st_mode) & 0o077:
                warn(f"{path} can be read by other users: run `chmod 600 {path}`")
    return key.strip()


def resolve_key() -> tuple[str | None, str]:
    """``(key, where it came from)``: the environment variable first, then the key file."""
    from_env = os.environ.get(KEY_ENV, "").strip()
    if from_env:
        return from_env, f"the {KEY_ENV} environment variable"
    key = stored_key()
    if key is not None:
        return key, f"the key file {key_path()}"
    return None, ""


# -- model aliases ----------------------------------------------------------------------------------------
def load_aliases() -> dict[str, str]:
    """``{alias: model id}`` from the aliases file (empty when there is none)."""
    stored = _read_json_object(aliases_path(), "aliases") or {}
    return {name: model for name, model in stored.items() if isinstance(model, str)}


def save_aliases(aliases: dict[str, str]) -> Path:
    path = aliases_path()
    write_file(path, json.dumps(dict(sorted(aliases.items())), indent=2) + "\n", mode=0o644)
    return path


def resolve_model(name: str) -> str:
    """An alias's model id, or ``name`` itself."""
    name = name.strip()
    return load_aliases().get(name, name)
