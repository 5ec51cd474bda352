"""What nnstudio remembers between sessions (QSettings): recent files, the last folder per
kind of file, the theme and the training speed limit (a GUI preference, not part of the
experiment). Window geometry and dock layout are saved by the main window.

Every function opens :func:`nnstudio.gui.app.settings`, so tests (``NNSTUDIO_SETTINGS_SCOPE``
= ``test``) never touch the user's real settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nnstudio.gui.app import settings

MAX_RECENT = 10
RECENT_KEY = "files/recent"
THEME_KEY = "view/theme"
THEMES = ("system", "light", "dark")
THEME_TITLES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}
DEFAULT_THEME = "system"
SPEED_KEY = "training/speed_limit"  # steps a second; 0 (or missing): full speed
#: kinds of files whose folder is remembered separately (the CSV import dialog reads "csv_dir")
FOLDER_KINDS = ("experiment", "model", "plot", "history", "csv")
_FOLDER_KEYS = {"csv": "csv_dir"}


def _as_list(value: Any) -> list[str]:
    """A QSettings list value (None, a single string, or a list) as a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    try:
        return [str(v) for v in value if v]
    except TypeError:
        return []


def _normal(path: str | os.PathLike[str]) -> str:
    return os.path.normpath(os.path.abspath(os.fspath(path)))


# --- recent files ---------------------------------------------------------------------------

def recent_files() -> list[Path]:
    """The recently opened or saved files, newest first: at most ten, existing files only."""
    seen: set[str] = set()
    files: list[Path] = []
    for text in _as_list(settings().value(RECENT_KEY)):
        key = _normal(text)
        if key in seen or not os.path.isfile(key):
            continue
        seen.add(key)
        files.append(Path(key))
        if len(files) == MAX_RECENT:
            break
    return files


def add_recent_file(path: str | os.PathLike[str]) -> list[Path]:
    """Put ``path`` first in the recent files (dropping missing files); the new list."""
    key = _normal(path)
    rest = [str(p) for p in recent_files() if str(p) != key]
    entries = ([key] + rest)[:MAX_RECENT]
    store = settings()
    store.setValue(RECENT_KEY, entries)
    store.sync()
    return [Path(p) for p in entries if os.path.isfile(p)]


def remove_recent_file(path: str | os.PathLike[str]) -> None:
    key = _normal(path)
    store = settings()
    store.setValue(RECENT_KEY, [p for p in _as_list(store.value(RECENT_KEY)) if _normal(p) != key])


def clear_recent_files() -> None:
    store = settings()
    store.remove(RECENT_KEY)
    store.sync()


# --- folders ----------------------------------------------------------------------------------

def _folder_key(kind: str) -> str:
    if kind not in FOLDER_KINDS:
        raise ValueError(f"unknown kind of file {kind!r} (known: {', '.join(FOLDER_KINDS)})")
    return _FOLDER_KEYS.get(kind, f"folders/{kind}")


def last_folder(kind: str, fallback: str | os.PathLike[str] | None = None) -> Path:
    """The folder a ``kind`` file was last opened from or saved to (if it still exists),
    else ``fallback``, else the home folder."""
    value = settings().value(_folder_key(kind))
    if isinstance(value, str) and value and os.path.isdir(value):
        return Path(value)
    if fallback is not None and os.path.isdir(fallback):
        return Path(fallback)
    return Path.home()


def remember_folder(kind: str, path: str | os.PathLike[str]) -> None:
    """Remember the folder of ``path`` (a file) for the next ``kind`` dialog."""
    folder = os.path.dirname(_normal(path))
    settings().setValue(_folder_key(kind), folder)


# --- theme ------------------------------------------------------------------------------------

def theme() -> str:
    """"system", "light" or "dark" (an unknown stored value counts as "system")."""
    value = settings().value(THEME_KEY, DEFAULT_THEME)
    return value if value in THEMES else DEFAULT_THEME


def set_theme(name: str) -> None:
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r} (known: {', '.join(THEMES)})")
    store = settings()
    store.setValue(THEME_KEY, name)
    store.sync()


# --- training speed ---------------------------------------------------------------------------

def speed_limit() -> float | None:
    """The training speed limit last chosen (steps a second), or None for full speed (also
    for a missing or unreadable stored value)."""
    value = settings().value(SPEED_KEY, 0)
    try:
        limit = float(value)
    except (TypeError, ValueError):
        return None
    return limit if limit > 0 and limit != float("inf") else None


def set_speed_limit(limit: float | None) -> None:
    """Remember the training speed limit (None: full speed)."""
    if limit is not None and not (float(limit) > 0 and float(limit) != float("inf")):
        raise ValueError(f"a speed limit must be a positive number of steps a second, "
                         f"not {limit!r}")
    store = settings()
    store.setValue(SPEED_KEY, 0.0 if limit is None else float(limit))
    store.sync()


__all__ = ["FOLDER_KINDS", "MAX_RECENT", "THEMES", "THEME_TITLES", "add_recent_file",
           "clear_recent_files", "last_folder", "recent_files", "remember_folder",
           "remove_recent_file", "set_speed_limit", "set_theme", "speed_limit", "theme"]
