"""KeyReader: the key-by-key checks behind experiment (and other settings) files."""

from __future__ import annotations

import pytest

from nnstudio.engine.errors import ExperimentError, NNStudioError
from nnstudio.engine.validation import KeyReader, value_kind


class Reader(KeyReader):
    error = ExperimentError


def message(call, *args, **kwargs) -> str:
    with pytest.raises(ExperimentError) as info:
        call(*args, **kwargs)
    return str(info.value)


def test_value_kind_describes_parsed_values():
    assert [value_kind(v) for v in (None, True, "x", 3, 2.5, {}, [], (1,))] == [
        "nothing (null)", "true (true/false)", "the text 'x'", "3", "2.5", "a table/object",
        "a list", "tuple"]


def test_errors_name_the_source_and_the_key():
    r = Reader("f.json")
    assert str(r.fail("a.b", "bad")) == "f.json: a.b: bad"
    assert str(r.fail("", "bad")) == "f.json: bad"
    assert type(KeyReader("s").fail("k", "m")) is NNStudioError
    assert message(r.keys, [1], ("a",), "") == \
        "f.json: (top level): expected a table/object, got a list"
    assert message(r.keys, {"a": 1, "c": 2}, ("a", "b"), "t") == \
        "f.json: t.c: unknown key (known keys here: a, b)"
    assert r.keys({"a": 1}, ("a",), "t") == {"a": 1}


def test_numbers():
    r = Reader("f")
    assert r.integer(3.0, "k") == 3 and isinstance(r.integer(3.0, "k"), int)
    assert message(r.integer, True, "k") == "f: k: expected a whole number, got true (true/false)"
    assert message(r.integer, 0, "k", 1) == "f: k: must be at least 1, got 0"
    assert message(r.integer, 2**64, "k") == f"f: k: must be at most {2**63 - 1}, got {2**64}"
    assert r.number(1, "k") == 1.0
    assert message(r.number, "1", "k") == "f: k: expected a number, got the text '1'"
    assert message(r.number, 10**400, "k") == "f: k: the number is far too large"
    assert message(r.number, float("nan"), "k") == "f: k: must be a finite number, got nan"
    assert message(r.number, 0, "k", positive=True) == "f: k: must be greater than 0, got 0"
    assert message(r.number, 0.7, "k", 0.0, 0.5) == "f: k: must be at most 0.5, got 0.7"


def test_booleans_text_and_choices():
    r = Reader("f")
    assert r.boolean(False, "k") is False and r.text("x", "k") == "x"
    assert message(r.boolean, 1, "k") == "f: k: expected true or false, got 1"
    assert message(r.text, None, "k") == "f: k: expected text, got nothing (null)"
    assert r.choice("b", "k", ("a", "b"), "letter") == "b"
    assert message(r.choice, 2, "k", ("a",), "letter") == \
        "f: k: expected the name of a letter, got 2"
    assert message(r.choice, "z", "k", ("a", "b"), "letter") == \
        "f: k: unknown letter 'z' (known: a, b)"


def test_format_and_version():
    r = Reader("f")
    r.format_and_version({"format": "nnstudio.x", "version": 2}, "nnstudio.x", 2, "x file")
    r.format_and_version({}, "nnstudio.x", 1, "x file")
    assert message(r.format_and_version, {"format": "csv"}, "nnstudio.x", 1, "x file") == \
        "f: format: expected 'nnstudio.x', got the text 'csv'; this is not an nnstudio x file"
    assert message(r.format_and_version, {"version": 3}, "nnstudio.x", 2, "x file") == \
        "f: version: the file has format version 3, but this nnstudio reads version 2; " \
        "update nnstudio"

