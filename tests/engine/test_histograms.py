"""Per-layer histograms of weights, activations and gradients, and their history."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.experiment import (
    DataConfig,
    Experiment,
    build_network,
    build_trainer,
    prepare_data,
)
from nnstudio.engine.histograms import (
    KINDS,
    HistogramHistory,
    all_histograms,
    layer_histograms,
    layer_summary,
    overlap_matrix,
    rebin,
)
from nnstudio.engine.network import LayerSpec
from nnstudio.engine.training import TrainConfig


@pytest.fixture
def setup():
    exp = Experiment(data=DataConfig(name="circles", samples=100, noise=0.1),
                     hidden=[LayerSpec(5, "tanh"), LayerSpec(3, "relu")],
                     training=TrainConfig(learning_rate=0.1, batch_size=20))
    prepared = prepare_data(exp)
    network = build_network(exp, prepared)
    trainer = build_trainer(exp, prepared, network)
    trainer.step()
    return network, trainer, prepared


def test_weight_histograms_match_numpy(setup):
    network, _, _ = setup
    edges, counts = layer_histograms(network, "weights", bins=12)
    assert edges.shape == (3, 13) and counts.shape == (3, 12)
    for i, layer in enumerate(network.layers):
        expected, expected_edges = np.histogram(layer.W, bins=12)
        np.testing.assert_allclose(edges[i], expected_edges)
        np.testing.assert_array_equal(counts[i], expected)
        assert counts[i].sum() == layer.W.size


def test_gradient_and_activation_histograms(setup):
    network, _, prepared = setup
    _, counts = layer_histograms(network, "gradients", bins=8)
    assert [c.sum() for c in counts] == [layer.dW.size for layer in network.layers]
    edges, counts = layer_histograms(network, "gradients", bins=8)
    assert edges[0, 0] == pytest.approx(network.layers[0].dW.min())
    assert edges[0, -1] == pytest.approx(network.layers[0].dW.max())
    X = prepared.X_train[:30]
    edges, counts = layer_histograms(network, "activations", bins=10, X=X)
    assert list(counts.sum(axis=1)) == [30 * 5, 30 * 3, 30 * 1]
    trace = network.forward_trace(X)
    relu = trace[1][1]
    assert edges[1, 0] == pytest.approx(max(relu.min(), 0.0))  # ReLU outputs start at 0
    assert edges[2, 0] >= 0 and edges[2, -1] <= 1  # sigmoid output


def test_fixed_ranges_clip_into_the_end_bins_and_skip_nan(setup):
    network, _, _ = setup
    edges, counts = layer_histograms(network, "weights", bins=4, value_range=(-0.01, 0.01))
    assert np.allclose(edges[:, 0], -0.01) and np.allclose(edges[:, -1], 0.01)
    for i, layer in enumerate(network.layers):
        assert counts[i].sum() == layer.W.size
        assert counts[i, 0] == np.sum(layer.W < -0.005)
    network.layers[0].W[0, 0] = np.nan
    _, counts = layer_histograms(network, "weights", bins=4)
    assert counts[0].sum() == network.layers[0].W.size - 1
    per_layer = [(-1, 1), (0, 2), (-3, 3)]
    edges, _ = layer_histograms(network, "weights", bins=4, value_range=per_layer)
    assert edges[1, 0] == 0 and edges[2, -1] == 3
    with pytest.raises(NNStudioError, match="one .lo, hi. per layer"):
        layer_histograms(network, "weights", value_range=[(0, 1)] * 2)
    with pytest.raises(NNStudioError, match="finite lo < hi"):
        layer_histograms(network, "weights", value_range=(1, 1))
    with pytest.raises(NNStudioError, match="unknown histogram kind"):
        layer_histograms(network, "biases")


def test_constant_values_get_a_small_range(setup):
    network, _, _ = setup
    network.params[:] = 0.0
    edges, counts = layer_histograms(network, "weights", bins=5)
    assert np.all(edges[:, 0] < 0) and np.all(edges[:, -1] > 0)
    assert np.all(edges[:, -1] - edges[:, 0] < 1e-9)
    assert np.all(counts[:, 2] == [layer.W.size for layer in network.layers])


def test_rebin_conserves_mass_and_is_identity_on_the_same_edges():
    edges = np.linspace(-1, 1, 11)
    counts = np.arange(10, dtype=float)
    np.testing.assert_allclose(rebin(edges, counts, edges), counts)
    np.testing.assert_allclose(overlap_matrix(edges, edges), np.eye(10))
    wider = np.linspace(-3, 3, 7)
    moved = rebin(edges, counts, wider)
    assert moved.sum() == pytest.approx(counts.sum())
    assert moved[0] == 0 and moved[-1] == 0
    assert moved[2] == pytest.approx(counts[:5].sum())  # [-1, 0] lands in bin [-1, 0]


def test_history_widens_its_edges_and_keeps_every_row_mass(setup):
    network, trainer, _ = setup
    history = HistogramHistory(bins=20, capacity=50)
    for step in range(5):
        history.add_all(step, all_histograms(network, bins=20))
    first_edges = history.edges("weights", 0)
    network.layers[0].W *= 10  # values fall outside the fixed edges
    history.add(5, "weights", *layer_histograms(network, "weights", bins=20))
    wider = history.edges("weights", 0)
    assert wider[0] < first_edges[0] and wider[-1] > first_edges[-1]
    assert wider[0] <= network.layers[0].W.min() and wider[-1] >= network.layers[0].W.max()
    img, steps, edges = history.image("weights", 0, normalize=False)
    assert img.shape == (6, 20)
    np.testing.assert_array_equal(steps, np.arange(6))
    np.testing.assert_allclose(img.sum(axis=1), network.layers[0].W.size)
    latest_edges, latest_counts = history.latest("weights", 0)
    np.testing.assert_array_equal(latest_counts,
                                  layer_histograms(network, "weights", bins=20)[1][0])
    assert latest_edges[-1] == pytest.approx(network.layers[0].W.max())


def test_history_is_bounded_and_spans_the_whole_run(setup):
    network, trainer, _ = setup
    history = HistogramHistory(bins=10, capacity=16)
    for _ in range(200):
        report = trainer.step()
        history.add_all(report.step, all_histograms(network, bins=10))
        assert history.rows("gradients") <= 16
    steps = history.steps("gradients")
    assert steps[0] == 2 and steps[-1] == trainer.step_count  # the first and the present
    assert len(steps) >= 8 and np.all(np.diff(steps) > 0)
    img, _, _ = history.image("gradients", 1)
    assert img.max() == pytest.approx(1.0)
    np.testing.assert_allclose(img.max(axis=1), 1.0)  # each row normalized
    assert history.kinds() == list(KINDS)
    assert history.n_layers("activations") == 3
    assert history.latest_step("weights") == trainer.step_count


def test_history_rejects_bad_input():
    history = HistogramHistory()
    with pytest.raises(NNStudioError, match="do not fit"):
        history.add(0, "weights", np.zeros((2, 5)), np.zeros((2, 5)))
    with pytest.raises(NNStudioError, match="unknown histogram kind"):
        history.add(0, "bias", np.zeros((1, 3)), np.zeros((1, 2)))
    assert history.image("weights", 0) is None and history.latest("weights", 0) is None


def test_layer_summary():
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    summary = layer_summary(edges, np.array([0.0, 10.0, 0.0]))
    assert summary["mean"] == pytest.approx(1.5) and summary["std"] == pytest.approx(0.0)
    assert summary["p5"] == pytest.approx(1.05) and summary["p95"] == pytest.approx(1.95)
    assert np.isnan(layer_summary(edges, np.zeros(3))["mean"])


def test_every_layer_at_once_counts_as_layer_by_layer(setup):
    """The whole-array path (every value finite) and the per-layer path (a layer's own
    range passed in) give the same edges and counts."""
    network, trainer, prepared = setup
    for _ in range(5):
        trainer.step()
    X = prepared.X_train[:40]
    network.layers[1].W[:] = 0.25  # a constant layer: its small range, the middle bin
    for kind in KINDS:
        edges, counts = layer_histograms(network, kind, bins=9, X=X)
        ranges = [(e[0], e[-1]) for e in edges]
        edges2, counts2 = layer_histograms(network, kind, bins=9, value_range=ranges, X=X)
        np.testing.assert_allclose(edges, edges2, rtol=1e-15)
        np.testing.assert_array_equal(counts, counts2)
        assert counts.dtype == np.float64
    _, counts = layer_histograms(network, "weights", bins=9)
    assert counts[1, 4] == network.layers[1].W.size
    for i, layer in enumerate(network.layers):  # against numpy, layer by layer
        if i == 1:
            continue
        expected, expected_edges = np.histogram(layer.W, bins=9)
        edges, counts = layer_histograms(network, "weights", bins=9)
        np.testing.assert_allclose(edges[i], expected_edges)
        np.testing.assert_array_equal(counts[i], expected)
