"""The weight timeline: exact restores, bounded thinning with an even spread, branching."""

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
from nnstudio.engine.network import LayerSpec
from nnstudio.engine.timeline import WeightTimeline
from nnstudio.engine.training import TrainConfig


def trained_setup():
    exp = Experiment(data=DataConfig(name="moons", samples=120, noise=0.1),
                     hidden=[LayerSpec(6, "tanh"), LayerSpec(5, "relu")],
                     training=TrainConfig(optimizer="adam", learning_rate=0.02, batch_size=16))
    prepared = prepare_data(exp)
    network = build_network(exp, prepared)
    return network, build_trainer(exp, prepared, network)


def test_scrubbing_restores_the_exact_snapshot_weights():
    network, trainer = trained_setup()
    timeline = WeightTimeline()
    timeline.add(0, 0, network.params)
    saved = {0: network.params.copy()}
    weights_at_3 = None
    for _ in range(8):
        report = trainer.run_epoch()
        timeline.add(report.epoch, report.step, network.params,
                     {"train_loss": report.train_loss})
        saved[report.epoch] = network.params.copy()
        if report.epoch == 3:
            weights_at_3 = network.get_weights()
    assert timeline.epochs() == list(range(9))
    snap = timeline.nearest(3)
    assert snap.epoch == 3 and snap.step == 3 * trainer.steps_per_epoch
    timeline.restore(network, snap)
    np.testing.assert_array_equal(network.params, saved[3])
    for (W, b), (W3, b3) in zip(network.get_weights(), weights_at_3):
        np.testing.assert_array_equal(W, W3)  # the layer views follow the flat buffer
        np.testing.assert_array_equal(b, b3)
    # the restored network computes what it computed then
    assert np.isclose(trainer.evaluate()["train_loss"], snap.metrics["train_loss"])
    assert snap.label().startswith("epoch 3 · train loss ")


def test_snapshots_are_private_read_only_copies():
    network, trainer = trained_setup()
    timeline = WeightTimeline()
    snap = timeline.add(0, 0, network.params)
    before = snap.params.copy()
    trainer.run_epoch()
    np.testing.assert_array_equal(snap.params, before)
    with pytest.raises(ValueError):
        snap.params[0] = 1.0


def test_thinning_keeps_first_last_and_an_even_spread():
    timeline = WeightTimeline(capacity=20)
    for epoch in range(1001):
        timeline.add(epoch, 10 * epoch, np.full(4, float(epoch)))
        assert len(timeline) <= 20
    epochs = timeline.epochs()
    assert epochs[0] == 0 and epochs[-1] == 1000
    assert len(epochs) >= 10
    gaps = np.diff(epochs[:-1])
    assert np.all(gaps == gaps[0]) and gaps[0] == timeline.stride
    assert 1000 - epochs[-2] <= timeline.stride
    # every kept snapshot holds its own epoch's weights
    for snap in timeline.snapshots:
        assert np.all(snap.params == snap.epoch)


def test_thinning_respects_the_byte_budget():
    timeline = WeightTimeline(capacity=1000, max_bytes=10 * 800)  # 10 snapshots of 100 floats
    for epoch in range(300):
        timeline.add(epoch, epoch, np.zeros(100))
        assert timeline.nbytes <= 10 * 800
    assert timeline.epochs()[0] == 0 and timeline.epochs()[-1] == 299
    assert len(timeline) >= 5


def test_irregular_epochs_thin_evenly():
    timeline = WeightTimeline(capacity=10)
    for epoch in range(0, 300, 3):
        timeline.add(epoch, epoch, np.zeros(2))
    epochs = timeline.epochs()
    gaps = np.diff(epochs[:-1])
    assert np.all(gaps == gaps[0]) and epochs[0] == 0 and epochs[-1] == 297


def test_nearest_and_index_of():
    timeline = WeightTimeline()
    assert timeline.nearest(5) is None and timeline.index_of(5) == -1
    for epoch in (0, 10, 20):
        timeline.add(epoch, epoch, np.zeros(1))
    assert timeline.nearest(-3).epoch == 0
    assert timeline.nearest(14).epoch == 10
    assert timeline.nearest(15).epoch == 10  # a tie goes to the earlier one
    assert timeline.nearest(16).epoch == 20
    assert timeline.nearest(99).epoch == 20
    assert timeline.index_of(20) == 2


def test_branching_truncates_and_continues():
    timeline = WeightTimeline()
    for epoch in range(10):
        timeline.add(epoch, epoch, np.full(3, float(epoch)))
    assert timeline.truncate_after(4) == 5
    assert timeline.epochs() == [0, 1, 2, 3, 4]
    timeline.add(5, 5, np.full(3, -5.0))
    assert timeline.epochs() == [0, 1, 2, 3, 4, 5]
    assert timeline.latest.params[0] == -5.0
    # adding an epoch that is not after the latest branches implicitly (e.g. after a reset)
    timeline.add(2, 2, np.full(3, 7.0))
    assert timeline.epochs() == [0, 1, 2]
    assert timeline.latest.params[0] == 7.0
    timeline.clear()
    assert len(timeline) == 0 and timeline.stride == 1


def test_mismatched_networks_are_refused():
    network, _ = trained_setup()
    timeline = WeightTimeline()
    timeline.add(0, 0, np.zeros(network.params.size + 1))
    with pytest.raises(NNStudioError, match="belongs to another architecture"):
        timeline.restore(network, timeline.latest)
    with pytest.raises(NNStudioError, match="clear it for a new network"):
        timeline.add(1, 1, network.params)
    with pytest.raises(NNStudioError, match="flat parameters"):
        timeline.add(1, 1, np.zeros((2, 2)))
    with pytest.raises(NNStudioError, match="at least 3"):
        WeightTimeline(capacity=2)
