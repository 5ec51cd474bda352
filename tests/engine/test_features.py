"""Derived input features: the grammar, the values, and the error messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnstudio.engine.errors import DataError
from nnstudio.engine.features import (
    DERIVED_FEATURES_2D,
    expand_features,
    parse_feature,
    pretty_feature,
    validate_feature,
)

X2 = np.array([[1.0, 2.0], [-0.5, 3.0], [0.0, -4.0]])
NAMES = ["x1", "x2"]


def test_playground_features_are_computed_column_by_column():
    X = expand_features(X2, NAMES, NAMES + DERIVED_FEATURES_2D)
    x1, x2 = X2.T
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_array_equal(X, expected)
    assert DERIVED_FEATURES_2D == ["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def test_cos_and_order_and_subset():
    X = expand_features(X2, NAMES, ["cos(x2)", "x2", "x1*x1"])
    np.testing.assert_array_equal(X, np.column_stack([np.cos(X2[:, 1]), X2[:, 1], X2[:, 0] ** 2]))


def test_raw_columns_only_is_a_copy_in_the_requested_order():
    X = expand_features(X2, NAMES, ["x2", "x1"])
    np.testing.assert_array_equal(X, X2[:, ::-1])
    X[0, 0] = 99.0
    assert X2[0, 1] == 2.0


def test_result_is_a_new_contiguous_float_array():
    X = expand_features(X2.astype(np.float32), NAMES, ["x1", "x1^2"])
    assert X.dtype == np.float32 and X.flags.c_contiguous
    assert expand_features(np.array([[1, 2]]), NAMES, ["x1*x2"]).dtype == np.float64
    np.testing.assert_array_equal(expand_features(np.array([[3, 4]]), NAMES, ["x1*x2"]), [[12.0]])


@pytest.mark.parametrize(
    ("expr", "canonical"),
    [
        ("x1", "x1"),
        (" x1 ", "x1"),
        ("x1 ^2", "x1^2"),
        ("x1 * x2", "x1*x2"),
        ("sin( x1 )", "sin(x1)"),
        ("SIN(x2)", "sin(x2)"),
        ("cos (x2)", "cos(x2)"),
    ],
)
def test_spelling_is_forgiving_and_canonicalised(expr, canonical):
    assert validate_feature(expr, NAMES) == canonical


def test_names_with_spaces_and_operators():
    names = ["sepal length", "a*b", "w^2"]
    assert parse_feature("sepal length^2", names) == ("square", 0, 0)
    assert parse_feature("a*b", names) == ("raw", 1, 1)  # a column name wins
    assert parse_feature("a*b * sepal length", names) == ("product", 1, 0)
    assert parse_feature("w^2", names) == ("raw", 2, 2)
    assert parse_feature("w^2^2", names) == ("square", 2, 2)
    assert parse_feature("sin(sepal length)", names) == ("sin", 0, 0)


@pytest.mark.parametrize(
    "expr", ["x1+x2", "x1^3", "log(x1)", "sin(x1", "x1**2", "", "2*x1", "sin()"]
)
def test_unknown_forms_name_the_expression_and_the_allowed_forms(expr):
    with pytest.raises(DataError) as info:
        validate_feature(expr, NAMES)
    message = str(info.value)
    assert f"'{expr}'" in message
    assert "NAME^2, NAME*NAME, sin(NAME) or cos(NAME)" in message
    assert "x1" in message and "x2" in message


@pytest.mark.parametrize(
    ("expr", "bad"), [("x3", None), ("x3^2", "x3"), ("x1*x3", "x3"), ("cos(y)", "y"), ("z*x2", "z")]
)
def test_an_unknown_column_is_named(expr, bad):
    with pytest.raises(DataError) as info:
        validate_feature(expr, NAMES)
    message = str(info.value)
    assert expr in message
    if bad is not None:
        assert f"'{bad}' is not a column" in message


def test_not_a_string():
    with pytest.raises(DataError, match="must be text"):
        validate_feature(3, NAMES)


def test_bad_calls_of_expand_features():
    with pytest.raises(DataError, match="no input features"):
        expand_features(X2, NAMES, [])
    with pytest.raises(DataError, match="listed twice: x1\\*x2"):
        expand_features(X2, NAMES, ["x1*x2", "x1 * x2"])
    with pytest.raises(DataError, match="3 column names"):
        expand_features(X2, ["a", "b", "c"], ["a"])
    with pytest.raises(DataError, match="shape"):
        expand_features(X2[:, 0], NAMES, ["x1"])
    with pytest.raises(DataError, match="must hold numbers"):
        expand_features(np.array([["a", "b"]]), NAMES, ["x1"])
    with pytest.raises(DataError, match="log"):
        expand_features(X2, NAMES, ["x1", "log(x1)"])


def test_many_rows_are_fast():
    X = np.random.default_rng(0).normal(size=(500_000, 2))
    out = expand_features(X, NAMES, NAMES + DERIVED_FEATURES_2D)
    assert out.shape == (500_000, 7)
    np.testing.assert_allclose(out[:, 4], X[:, 0] * X[:, 1])


def test_pretty_labels():
    assert pretty_feature("x1^2") == "x1²"
    assert pretty_feature("x1 * x2") == "x1·x2"
    assert pretty_feature("sin(x1)") == "sin(x1)"


_FEATURE = st.sampled_from(["a", "b", "c", "a^2", "c^2", "a*b", "b*c", "sin(a)", "cos(c)"])


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 20), st.just(3)), elements=st.floats(-100, 100)
    ),
    st.lists(_FEATURE, min_size=1, max_size=9, unique=True),
)
def test_every_column_matches_a_direct_computation(X, features):
    out = expand_features(X, ["a", "b", "c"], features)
    a, b, c = X.T
    direct = {
        "a": a,
        "b": b,
        "c": c,
        "a^2": a * a,
        "c^2": c * c,
        "a*b": a * b,
        "b*c": b * c,
        "sin(a)": np.sin(a),
        "cos(c)": np.cos(c),
    }
    for k, name in enumerate(features):
        np.testing.assert_array_equal(out[:, k], direct[name])
