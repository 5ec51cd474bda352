"""JSON/TOML text for settings files: parsing with clear errors, and the writers' layout."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnstudio.engine.errors import ExperimentError, NNStudioError
from nnstudio.engine.jsontoml import is_toml, parse_document, read_document, to_json, to_toml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")


def test_is_toml_goes_by_the_extension():
    assert is_toml("a/b.TOML") and not is_toml("b.json") and not is_toml("toml")


def test_parse_document_reads_both_formats():
    assert parse_document('{"a": [1, 2]}', "x.json", toml=False) == {"a": [1, 2]}
    assert parse_document("a = [1, 2]\n[t]\nb = true\n", "x.toml", toml=True) == \
        {"a": [1, 2], "t": {"b": True}}


@pytest.mark.parametrize("text, toml, message", [
    ('{"a": 1,}', False, "x: not valid JSON: line 1, column 9: "),
    ("[" * 100_000, False, "x: not valid JSON: nested too deeply"),
    ("a = ", True, "x: not valid TOML: "),
])
def test_parse_document_errors_name_the_file_and_place(text, toml, message):
    with pytest.raises(ExperimentError) as info:
        parse_document(text, "x", toml, error=ExperimentError)
    assert str(info.value).startswith(message)
    with pytest.raises(NNStudioError):
        parse_document(text, "x", toml)


def test_read_document_names_the_kind_of_file(tmp_path):
    (tmp_path / "a.toml").write_text("x = 1\n")
    assert read_document(tmp_path / "a.toml", "a.toml") == {"x": 1}
    (tmp_path / "b.json").write_bytes(b"\xff{}")
    for path, text in [
        (tmp_path / "none.json", "L: no such lesson file"),
        (tmp_path, "L: is a folder, not a lesson file"),
        (tmp_path / "b.json", "L: not a text (UTF-8) file; a lesson file is JSON or TOML"),
    ]:
        with pytest.raises(NNStudioError) as info:
            read_document(path, "L", what="lesson")
        assert str(info.value) == text
    with pytest.raises(ExperimentError, match="is a folder, not an experiment file"):
        read_document(tmp_path, "L", what="experiment", error=ExperimentError)


def test_to_json_indents_tables_and_keeps_short_lists_on_one_line():
    d = {"name": "n", "data": {"features": ["x1", "x2"], "points": [[0, 1, "a"], [2, 3, "b"]]},
         "hidden": [{"units": 4, "activation": "tanh"}]}
    text = to_json(d)
    assert json.loads(text) == d
    assert '"features": ["x1", "x2"]' in text and '    [0, 1, "a"],' in text
    assert '    {"units": 4, "activation": "tanh"}' in text and text.endswith("}\n")


def test_to_toml_writes_values_then_tables_and_lists_of_tables():
    d = {"name": "q\"\\\n\t\x01é", "data": {"seed": 3, "noise": 0.0, "points": [[1, 2.5, "a"]],
                                             "task": None},
         "hidden": [{"units": 4}, {"units": 2, "alpha": 1e-20}], "empty": [], "n": np.int64(7),
         "x": float("inf"), "odd key": {"k": [1, 2]}}
    text = to_toml(d)
    back = tomllib.loads(text)
    assert back["name"] == d["name"] and back["n"] == 7 and math.isinf(back["x"])
    assert back["data"] == {"seed": 3, "noise": 0.0, "points": [[1, 2.5, "a"]]}
    assert back["hidden"] == d["hidden"] and back["empty"] == []
    assert back["odd key"] == {"k": [1, 2]}
    assert text.index("[data]") < text.index("[[hidden]]") < text.index('["odd key"]')
    assert "noise = 0.0" in text and "points = [\n  [1, 2.5, \"a\"],\n]" in text
    with pytest.raises(TypeError, match="cannot write object to TOML"):
        to_toml({"x": object()})


scalars = st.one_of(st.booleans(), st.integers(-2**63, 2**63 - 1), st.text(max_size=20),
                    st.floats(allow_nan=False, allow_infinity=False))
keys = st.text(min_size=1, max_size=8)


@given(st.dictionaries(keys, st.one_of(scalars, st.lists(scalars, max_size=4),
                                       st.dictionaries(keys, scalars, max_size=4)), max_size=6))
def test_writers_round_trip(d):
    assert json.loads(to_json(d)) == d
    assert tomllib.loads(to_toml(d)) == d
