"""The closed-form least-squares baseline (seed 003: Moore–Penrose pseudo-inverse, with and
without the column of ones for the intercept)."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.closed_form import fit_linear
from nnstudio.engine.errors import DataError
from nnstudio.engine.network import LayerSpec, Network, NetworkSpec


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)) + 2.0  # not centred: the intercept matters
    y = 1.5 + X @ np.array([2.0, -1.0, 0.5]) + 0.1 * rng.normal(size=60)
    return X, y


def test_with_intercept_equals_lstsq_on_the_ones_column(data) -> None:
    X, y = data
    fit = fit_linear(X, y, intercept=True)
    A = np.hstack([X, np.ones((len(X), 1))])
    beta, *_ = np.linalg.lstsq(A, y, rcond=None)
    np.testing.assert_allclose(fit.coef[:, 0], beta[:-1], rtol=1e-10)
    assert fit.intercept[0] == pytest.approx(beta[-1], rel=1e-10)
    np.testing.assert_allclose(fit.predict(X), A @ beta, rtol=1e-10)
    assert fit.predict(X).shape == (60,)
    assert fit.fit_intercept and fit.rank == 4


def test_without_intercept_equals_lstsq_on_x_alone(data) -> None:
    X, y = data
    fit = fit_linear(X, y, intercept=False)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    np.testing.assert_allclose(fit.coef[:, 0], beta, rtol=1e-10)
    assert fit.intercept[0] == 0.0


def test_seed003_without_the_ones_column_the_fit_differs(data) -> None:
    """pinv matched sklearn's LinearRegression only once a column of ones was added."""
    LinearRegression = pytest.importorskip("sklearn.linear_model").LinearRegression

    X, y = data
    sk = LinearRegression().fit(X, y)
    with_ones = fit_linear(X, y, intercept=True)
    without = fit_linear(X, y, intercept=False)
    np.testing.assert_allclose(with_ones.coef[:, 0], sk.coef_, rtol=1e-8)
    assert with_ones.intercept[0] == pytest.approx(sk.intercept_, rel=1e-8)
    assert not np.allclose(without.coef[:, 0], sk.coef_, rtol=1e-2)
    assert without.mse(X, y) > 10 * with_ones.mse(X, y)


def test_exact_linear_data_is_recovered() -> None:
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = 3.0 * X[:, 0] - 2.0
    fit = fit_linear(X, y)
    assert fit.coef[0, 0] == pytest.approx(3.0)
    assert fit.intercept[0] == pytest.approx(-2.0)
    assert fit.mse(X, y) == pytest.approx(0.0, abs=1e-20)
    assert fit.equation(["x"]) == "ŷ = −2 + 3·x"
    # through the origin the same data cannot be fitted exactly
    assert fit_linear(X, y, intercept=False).mse(X, y) > 0.1


def test_mse_is_the_networks_mse() -> None:
    """The baseline's J is DESIGN.md's mse: a linear network with the fit's weights has the
    same data loss."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    Y = np.column_stack([X @ [1.0, 2.0] + 0.3, X @ [-1.0, 0.5]]) + 0.2 * rng.normal(size=(40, 2))
    fit = fit_linear(X, Y)
    assert fit.predict(X).shape == (40, 2) and not fit.single_output
    net = Network(NetworkSpec(2, [LayerSpec(2, "linear")], loss="mse"))
    net.set_weights([(fit.coef, fit.intercept)])
    assert fit.mse(X, Y) == pytest.approx(net.data_loss(X, Y), rel=1e-12)
    diff = fit.predict(X) - Y
    assert fit.mse(X, Y) == pytest.approx(0.5 * np.mean(np.sum(diff ** 2, axis=1)))


def test_least_squares_is_the_minimum(data) -> None:
    X, y = data
    fit = fit_linear(X, y)
    best = fit.mse(X, y)
    rng = np.random.default_rng(2)
    for _ in range(20):
        other = fit_linear(X, y)
        other.coef = fit.coef + rng.normal(0, 0.01, fit.coef.shape)
        assert other.mse(X, y) >= best


def test_rank_deficient_inputs_give_the_minimum_norm_solution() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=30)
    X = np.column_stack([x, x])  # duplicate column
    y = 2 * x + 1
    fit = fit_linear(X, y)
    assert fit.coef[:, 0] == pytest.approx([1.0, 1.0])
    assert fit.rank == 2
    beta, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(30)]), y, rcond=None)
    np.testing.assert_allclose(fit.coef[:, 0], beta[:2], rtol=1e-8)


def test_one_dimensional_inputs_are_one_column() -> None:
    fit = fit_linear(np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0]), intercept=False)
    assert fit.coef.shape == (1, 1) and fit.coef[0, 0] == pytest.approx(2.0)


@pytest.mark.parametrize("X,Y,message", [
    (np.empty((0, 2)), np.empty(0), "at least one row"),
    ([[1.0, np.nan], [2.0, 3.0]], [1.0, 2.0], r"missing or infinite value \(row 0\)"),
    ([[1.0], [2.0]], [1.0, np.inf], r"targets have a missing or infinite value \(row 1\)"),
    ([[1.0], [2.0]], [1.0, 2.0, 3.0], "2 input rows but 3 targets"),
    ([["a"], ["b"]], [1.0, 2.0], "must be numbers"),
])
def test_bad_data_gives_clear_errors(X, Y, message) -> None:
    with pytest.raises(DataError, match=message):
        fit_linear(X, Y)


def test_predict_checks_the_number_of_columns(data) -> None:
    X, y = data
    fit = fit_linear(X, y)
    with pytest.raises(DataError, match="fitted on 3 input column"):
        fit.predict(X[:, :2])
