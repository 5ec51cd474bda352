"""Output grids, neuron grids, the 1-D regression curve and the confusion matrix."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.grids import (
    PlaneViews,
    confusion_matrix,
    grid_points,
    neuron_grids,
    output_grid,
    regression_curve,
)
from nnstudio.engine.network import LayerSpec, Network, NetworkSpec


def _net(
    task: str,
    out: LayerSpec,
    loss: str,
    inputs: int = 2,
    hidden=(5, 3),
    act: str = "tanh",
    seed: int = 1,
) -> Network:
    layers = [LayerSpec(u, act) for u in hidden] + [out]
    return Network(NetworkSpec(inputs, layers, loss=loss, task=task), seed=seed)


def test_grid_points_row_major():
    X, xs, ys = grid_points((-1.0, 1.0, 0.0, 4.0), 5)
    assert X.shape == (25, 2)
    np.testing.assert_allclose(xs, np.linspace(-1, 1, 5))
    np.testing.assert_allclose(ys, np.linspace(0, 4, 5))
    grid = X.reshape(5, 5, 2)  # [iy, ix]
    np.testing.assert_allclose(grid[2, 3], [xs[3], ys[2]])
    np.testing.assert_allclose(grid[:, 0, 0], xs[0])
    np.testing.assert_allclose(grid[0, :, 1], ys[0])


@pytest.mark.parametrize(
    "extent, match",
    [
        ((1.0, 0.0, 0.0, 1.0), "xmin < xmax"),
        ((0.0, 1.0, 0.0), "four numbers"),
        ((0.0, np.inf, 0.0, 1.0), "finite"),
    ],
)
def test_grid_points_bad_extent(extent, match):
    with pytest.raises(NNStudioError, match=match):
        grid_points(extent, 10)


@pytest.mark.parametrize("res", [1, 0, 2.5, True, 10**6])
def test_grid_points_bad_resolution(res):
    with pytest.raises(NNStudioError, match="resolution"):
        grid_points((0, 1, 0, 1), res)


def test_output_grid_binary_matches_predict_pointwise():
    net = _net("binary", LayerSpec(1, "sigmoid"), "binary_cross_entropy")
    extent = (-6.0, 6.0, -5.0, 5.0)
    g = output_grid(net, None, extent, resolution=100)
    assert g["kind"] == "binary"
    assert g["value"].shape == (100, 100)
    assert g["confidence"] is None
    assert np.all((g["value"] >= 0) & (g["value"] <= 1))
    ix, iy = 17, 63
    p = net.predict(np.array([[g["xs"][ix], g["ys"][iy]]]))[0, 0]
    assert g["value"][iy, ix] == pytest.approx(p)
    assert g["extent"] == extent


def test_output_grid_applies_transform():
    net = _net("binary", LayerSpec(1, "sigmoid"), "binary_cross_entropy", inputs=3)
    seen = {}

    def transform(X_raw):
        seen["shape"] = X_raw.shape
        return np.column_stack([X_raw, X_raw[:, 0] * X_raw[:, 1]])

    g = output_grid(net, transform, (0, 1, 0, 1), resolution=20)
    assert seen["shape"] == (400, 2)
    x, y = g["xs"][4], g["ys"][11]
    p = net.predict(np.array([[x, y, x * y]]))[0, 0]
    assert g["value"][11, 4] == pytest.approx(p)


def test_output_grid_wrong_transform_width_is_a_clear_error():
    net = _net("binary", LayerSpec(1, "sigmoid"), "binary_cross_entropy", inputs=3)
    with pytest.raises(NNStudioError, match="expects 3 input"):
        output_grid(net, None, (0, 1, 0, 1), resolution=10)


def test_output_grid_hinge_linear_output_centres_the_boundary_at_half():
    net = _net("binary", LayerSpec(1, "linear"), "hinge")
    g = output_grid(net, None, (-3, 3, -3, 3), resolution=30)
    out = net.predict(np.column_stack([np.tile(g["xs"], 30), np.repeat(g["ys"], 30)]))[:, 0]
    np.testing.assert_array_equal((g["value"].ravel() > 0.5), out > 0)


def test_output_grid_multiclass_winner_and_confidence():
    net = _net("multiclass", LayerSpec(4, "softmax"), "cross_entropy", seed=3)
    g = output_grid(net, None, (-2, 2, -2, 2), resolution=40)
    assert g["kind"] == "multiclass"
    X = np.column_stack([np.tile(g["xs"], 40), np.repeat(g["ys"], 40)])
    P = net.predict(X)
    np.testing.assert_array_equal(g["value"].ravel(), P.argmax(axis=1))
    np.testing.assert_allclose(g["confidence"].ravel(), P.max(axis=1))
    assert g["probabilities"].shape == (40, 40, 4)
    assert np.all(g["confidence"] >= 0.25 - 1e-12)


def test_output_grid_regression():
    net = _net("regression", LayerSpec(1, "linear"), "mse")
    g = output_grid(net, None, (-1, 1, -1, 1), resolution=16)
    assert g["kind"] == "regression" and g["confidence"] is None
    p = net.predict(np.array([[g["xs"][5], g["ys"][9]]]))[0, 0]
    assert g["value"][9, 5] == pytest.approx(p)


def test_neuron_grids_shapes_and_values():
    net = _net("binary", LayerSpec(1, "sigmoid"), "binary_cross_entropy", hidden=(5, 3))
    grids = neuron_grids(net, None, (-1, 1, -1, 1), resolution=24)
    assert [g.shape for g in grids] == [(5, 24, 24), (3, 24, 24), (1, 24, 24)]
    X, xs, ys = grid_points((-1, 1, -1, 1), 24)
    trace = net.forward_trace(X)
    # neuron 2 of the first hidden layer at (ix=7, iy=20)
    assert grids[0][2, 20, 7] == pytest.approx(trace[0][1][20 * 24 + 7, 2])
    assert grids[-1][0, 3, 11] == pytest.approx(net.predict(np.array([[xs[11], ys[3]]]))[0, 0])


def test_regression_curve():
    net = _net("regression", LayerSpec(1, "linear"), "mse", inputs=1)
    xs, ys = regression_curve(net, None, (-6, 6), n=200)
    assert xs.shape == ys.shape == (200,)
    assert xs[0] == -6 and xs[-1] == 6
    np.testing.assert_allclose(ys, net.predict(xs[:, None])[:, 0])
    with pytest.raises(NNStudioError, match="xmin < xmax"):
        regression_curve(net, None, (1, 1))


def test_confusion_matrix_counts():
    y_true = np.array([0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0, 2])
    cm = confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 2, 0], [1, 0, 2]])
    assert cm.dtype.kind == "i" and cm.sum() == 7
    assert confusion_matrix([], [], 2).shape == (2, 2)


def test_confusion_matrix_matches_a_loop_on_random_labels():
    rng = np.random.default_rng(0)
    t, p = rng.integers(0, 5, 1000), rng.integers(0, 5, 1000)
    expected = np.zeros((5, 5), int)
    for a, b in zip(t, p):
        expected[a, b] += 1
    np.testing.assert_array_equal(confusion_matrix(t, p, 5), expected)


@pytest.mark.parametrize(
    "t, p, k, match",
    [
        ([0, 1], [0], 2, "2 true labels but 1 predictions"),
        ([0, 3], [0, 1], 3, "outside 0..2"),
        ([0, 1], [0, -1], 2, "outside 0..1"),
        ([0.5, 1], [0, 1], 2, "class index"),
        ([0, 1], [0, 1], 0, "number of classes"),
    ],
)
def test_confusion_matrix_bad_input(t, p, k, match):
    with pytest.raises(NNStudioError, match=match):
        confusion_matrix(np.array(t), np.array(p), k)


# --- the live views' evaluator -------------------------------------------------------------------

def test_plane_views_match_the_grids_up_to_float32():
    net = _net("binary", LayerSpec(1, "sigmoid"), "binary_cross_entropy")
    transform = lambda X: 0.5 * X + 0.25  # noqa: E731 - a stand-in data pipeline
    extent = (-2.0, 3.0, -1.0, 1.0)
    plane = PlaneViews(net, transform, extent, resolution=40, neuron_resolution=12)
    assert plane.fits(net)
    picture, neurons = plane.evaluate(net.params)
    expected = output_grid(net, transform, extent, resolution=40)
    assert picture["kind"] == "binary" and picture["extent"] == expected["extent"]
    assert picture["value"].dtype == np.float64 and picture["value"].shape == (40, 40)
    np.testing.assert_allclose(picture["value"], expected["value"], atol=1e-6)
    for got, want in zip(neurons, neuron_grids(net, transform, extent, resolution=12)):
        assert got.shape == want.shape and got.dtype == np.float64
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_plane_views_results_are_fresh_arrays_and_follow_new_weights():
    net = _net("regression", LayerSpec(1, "linear"), "mse", hidden=(3,))
    plane = PlaneViews(net, None, (0, 1, 0, 1), resolution=10, neuron_resolution=5)
    first, first_neurons = plane.evaluate(net.params)
    kept, kept_neurons = first["value"].copy(), [a.copy() for a in first_neurons]
    other = _net("regression", LayerSpec(1, "linear"), "mse", hidden=(3,), seed=7)
    second, _ = plane.evaluate(other.params)
    np.testing.assert_array_equal(first["value"], kept)  # not overwritten by the next
    for a, b in zip(first_neurons, kept_neurons):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(second["value"], output_grid(other, None, (0, 1, 0, 1),
                                                            10)["value"], atol=1e-5)


def test_plane_views_multiclass_and_weights_too_large_for_float32():
    net = _net("multiclass", LayerSpec(3, "softmax"), "cross_entropy", hidden=(4,))
    plane = PlaneViews(net, None, (-1, 1, -1, 1), resolution=16, neuron_resolution=4)
    picture, _ = plane.evaluate(net.params)
    expected = output_grid(net, None, (-1, 1, -1, 1), resolution=16)
    np.testing.assert_array_equal(picture["value"], expected["value"])
    np.testing.assert_allclose(picture["confidence"], expected["confidence"], atol=1e-6)
    np.testing.assert_allclose(picture["probabilities"], expected["probabilities"], atol=1e-6)
    big = net.params.copy()
    big[0] = 1e300  # overflows float32: evaluated in float64 instead
    net.params[:] = big
    picture, _ = plane.evaluate(big)
    expected = output_grid(net, None, (-1, 1, -1, 1), resolution=16)
    np.testing.assert_array_equal(picture["value"], expected["value"])
    other = _net("multiclass", LayerSpec(3, "softmax"), "cross_entropy", hidden=(5,))
    assert not plane.fits(other)


def test_plane_views_reject_a_transform_of_the_wrong_width():
    net = _net("binary", LayerSpec(1, "sigmoid"), "binary_cross_entropy", inputs=3)
    with pytest.raises(NNStudioError, match="expects 3 input"):
        PlaneViews(net, None, (0, 1, 0, 1))
