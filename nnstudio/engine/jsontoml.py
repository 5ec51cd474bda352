"""JSON and TOML text for nnstudio's small settings files (experiments, lessons).

:func:`read_document` and :func:`parse_document` read either format with one-line errors
that name the file (and the line and column of a syntax error). :func:`to_json` and
:func:`to_toml` write a dict of plain values (numbers, text, booleans, lists, tables, lists
of tables) the way a person would lay them out. Nothing here knows the experiment schema.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.engine.errors import NNStudioError


def is_toml(path: str | Path) -> bool:
    """Whether a file name says TOML (``.toml``); anything else is read and written as JSON."""
    return Path(path).suffix.lower() == ".toml"


def read_document(path: str | Path, label: str, *, what: str = "settings",
                  error: type[NNStudioError] = NNStudioError) -> Any:
    """Read and parse a JSON file (TOML for a ``.toml`` name); ``what`` names the kind of file
    in messages ("no such experiment file"), ``error`` is the exception raised."""
    file = Path(path)
    article = "an" if what[:1].lower() in "aeiou" else "a"
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise error(f"{label}: no such {what} file") from None
    except IsADirectoryError:
        raise error(f"{label}: is a folder, not {article} {what} file") from None
    except OSError as exc:
        raise error(f"{label}: cannot read the file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{label}: not a text (UTF-8) file; {article} {what} file is "
                    "JSON or TOML") from None
    return parse_document(text, label, is_toml(file), what=what, error=error)


def parse_document(text: str, label: str, toml: bool, *, what: str = "file",
                   error: type[NNStudioError] = NNStudioError) -> Any:
    """The parsed content of a JSON (or TOML) text; ``error`` names ``label`` and the place."""
    if toml:
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            try:
                import tomli as tomllib  # type: ignore[no-redef]
            except ModuleNotFoundError:
                raise error(f"{label}: reading TOML needs Python 3.11 or the 'tomli' "
                            f"package; save the {what} as .json instead") from None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise error(f"{label}: not valid TOML: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"{label}: not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise error(f"{label}: not valid JSON: nested too deeply") from None


# --- JSON: nested tables indented, short lists and layers on one line -----------------------------

def _is_flat(value: Any) -> bool:
    """A list of scalars, or a table of scalars: short enough for one line."""
    items = value.values() if isinstance(value, dict) else value
    return all(not isinstance(v, (dict, list)) for v in items)


def _json_lines(value: Any, indent: str) -> str:
    inner = indent + "  "
    one_line = json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict) and value and (not _is_flat(value) or len(one_line) > 76):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_json_lines(v, inner)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and not _is_flat(value):
        items = [inner + _json_lines(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return one_line


def to_json(d: dict[str, Any]) -> str:
    """JSON for a settings dict: nested tables indented, short lists and layers on one line."""
    return _json_lines(d, "") + "\n"


# --- TOML: top-level values, then the tables and lists of tables ------------------------------

def _toml_string(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_key(key: str) -> str:
    if key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key):
        return key
    return _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        text = repr(v)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + inner + "}" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_table(lines: list[str], d: dict[str, Any]) -> None:
    for key, value in d.items():
        if value is None:
            continue
        if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
            lines.append(f"{_toml_key(key)} = [")
            lines.extend(f"  {_toml_value(v)}," for v in value)
            lines.append("]")
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def to_toml(d: dict[str, Any]) -> str:
    """TOML for a settings dict: top-level values, then each table (``[key]``) and each
    list of tables (``[[key]]``, e.g. an experiment's hidden layers), in the dict's order."""
    lines: list[str] = []
    scalars = {k: v for k, v in d.items() if not isinstance(v, dict) and not _is_table_list(v)}
    _toml_table(lines, scalars)
    for key, value in d.items():
        if _is_table_list(value):
            for item in value:
                lines += ["", f"[[{_toml_key(key)}]]"]
                _toml_table(lines, item)
        elif isinstance(value, dict):
            lines += ["", f"[{_toml_key(key)}]"]
            _toml_table(lines, value)
    return "\n".join(lines) + "\n"
