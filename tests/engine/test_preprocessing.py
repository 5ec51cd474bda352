"""Standardization and the train/test split."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.engine.errors import DataError
from nnstudio.engine.preprocessing import Standardizer, train_test_split_indices

# --- Standardizer -----------------------------------------------------------------------------


def test_fit_is_mean_and_population_std():
    X = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
    s = Standardizer.fit(X)
    np.testing.assert_allclose(s.mean, [3.0, 10.0])
    np.testing.assert_allclose(s.scale, [np.sqrt(8 / 3), 1.0])  # constant column -> scale 1


def test_transform_gives_zero_mean_unit_std_and_inverts():
    X = np.random.default_rng(0).normal(5.0, 3.0, size=(200, 4))
    s = Standardizer.fit(X)
    Z = s.transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0)
    np.testing.assert_allclose(s.inverse_transform(Z), X)
    assert Z is not X and not np.shares_memory(Z, X)


def test_constant_column_with_rounding_noise_gets_scale_one():
    X = np.full((7, 1), 0.1) * 3  # std may come out as ~1e-17 rather than 0
    assert Standardizer.fit(X).scale[0] == 1.0


def test_transform_applies_training_statistics_to_new_data():
    s = Standardizer(np.array([1.0, 2.0]), np.array([2.0, 4.0]))
    np.testing.assert_allclose(s.transform(np.array([[3.0, 10.0]])), [[1.0, 2.0]])
    np.testing.assert_allclose(s.inverse_transform(np.array([[1.0, 2.0]])), [[3.0, 10.0]])


def test_float32_stays_float32():
    X = np.arange(6, dtype=np.float32).reshape(3, 2)
    s = Standardizer.fit(X)
    assert s.transform(X).dtype == np.float32
    assert s.mean.dtype == np.float64


def test_one_dimensional_data_is_one_column():
    s = Standardizer.fit(np.array([1.0, 2.0, 3.0]))
    assert s.n_columns == 1
    np.testing.assert_allclose(s.transform(np.array([2.0])), [0.0])


def test_identity():
    s = Standardizer.identity(3)
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(s.transform(X), X)


def test_standardizer_errors():
    with pytest.raises(DataError, match="fitted on 2"):
        Standardizer.fit(np.ones((3, 2))).transform(np.ones((3, 3)))
    with pytest.raises(DataError, match="NaN or infinite"):
        Standardizer.fit(np.array([[1.0], [np.nan]]))
    with pytest.raises(DataError, match="shape"):
        Standardizer.fit(np.ones((0, 2)))
    with pytest.raises(DataError, match="greater than 0"):
        Standardizer(np.zeros(2), np.array([1.0, 0.0]))
    with pytest.raises(DataError, match="same length"):
        Standardizer(np.zeros(2), np.ones(3))
    with pytest.raises(DataError, match="mean"):
        Standardizer(np.array([np.inf]), np.ones(1))


# --- train/test split ---------------------------------------------------------------------


def test_split_is_a_partition_of_the_requested_size():
    train, test = train_test_split_indices(100, 0.25, seed=3)
    assert len(train) == 75 and len(test) == 25
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(100))
    assert train.dtype.kind == "i" and test.dtype.kind == "i"


def test_split_is_deterministic_given_the_seed():
    a = train_test_split_indices(50, 0.2, seed=7)
    b = train_test_split_indices(50, 0.2, seed=7)
    c = train_test_split_indices(50, 0.2, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_zero_test_fraction_trains_on_everything():
    train, test = train_test_split_indices(10, 0.0, seed=1)
    assert sorted(train.tolist()) == list(range(10)) and test.size == 0
    train, test = train_test_split_indices(10, 0, seed=1, stratify=[0, 1] * 5)
    assert train.size == 10 and test.size == 0


def test_small_fractions_still_give_one_test_row_and_keep_one_training_row():
    assert [len(p) for p in train_test_split_indices(10, 0.01, seed=0)] == [9, 1]
    assert [len(p) for p in train_test_split_indices(2, 0.99, seed=0)] == [1, 1]
    assert [len(p) for p in train_test_split_indices(1, 0.5, seed=0)] == [1, 0]


def test_stratified_split_keeps_class_proportions():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    train, test = train_test_split_indices(100, 0.2, seed=0, stratify=y)
    np.testing.assert_array_equal(np.bincount(y[test], minlength=3), [12, 6, 2])
    np.testing.assert_array_equal(np.bincount(y[train], minlength=3), [48, 24, 8])


def test_stratified_split_leaves_every_class_a_training_row():
    y = np.array(["a"] * 20 + ["b"] + ["c"] * 2)
    train, test = train_test_split_indices(len(y), 0.9, seed=0, stratify=y)
    assert set(y[train]) == {"a", "b", "c"}
    assert len(test) == 20  # the most that can go while every class keeps a training row
    train, test = train_test_split_indices(3, 0.5, seed=0, stratify=["a", "b", "c"])
    assert len(train) == 3 and len(test) == 0


def test_split_errors():
    for fraction in (-0.1, 1.0, 2, float("nan"), "x"):
        with pytest.raises(DataError, match="test fraction"):
            train_test_split_indices(10, fraction, seed=0)
    with pytest.raises(DataError, match="empty"):
        train_test_split_indices(0, 0.2, seed=0)
    with pytest.raises(DataError, match="whole number"):
        train_test_split_indices(2.5, 0.2, seed=0)
    with pytest.raises(DataError, match="one label per row"):
        train_test_split_indices(4, 0.5, seed=0, stratify=[0, 1, 0])
    with pytest.raises(DataError, match="seed"):
        train_test_split_indices(4, 0.5, seed=-1)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 300),
    st.floats(0.0, 0.95),
    st.integers(0, 2**32),
    st.one_of(st.none(), st.integers(1, 6)),
    st.data(),
)
def test_split_properties(n, fraction, seed, n_classes, data):
    labels = None
    if n_classes is not None:
        labels = np.array(
            data.draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n))
        )
    train, test = train_test_split_indices(n, fraction, seed=seed, stratify=labels)
    both = np.concatenate([train, test])
    assert sorted(both.tolist()) == list(range(n))
    assert len(train) >= 1
    if fraction == 0.0:
        assert len(test) == 0
    if labels is not None:
        assert set(labels[train].tolist()) == set(labels.tolist())
        if fraction > 0 and len(test) > 0:
            expected = fraction * np.bincount(labels, minlength=n_classes)
            got = np.bincount(labels[test], minlength=n_classes)
            assert np.all(np.abs(got - expected) <= np.maximum(1.5, 0.5 * expected))
    elif fraction > 0 and n >= 2:
        assert len(test) == min(n - 1, max(1, round(n * fraction)))
