"""The worker's activation statistics spread over a run, and its training speed limit."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.experiment import default_experiment
from nnstudio.gui.plots_activations import ActivationPlot
from nnstudio.gui.session import build_session
from nnstudio.gui.snapshot import merge_snapshots
from nnstudio.gui.worker import TrainingThread
from tests.gui.conftest import circles_experiment
from tests.gui.test_worker import Recorder


@pytest.fixture
def start(qtbot):
    threads: list[TrainingThread] = []

    def _start(exp):
        thread = TrainingThread(build_session(exp))
        recorder = Recorder(thread)
        thread.start()
        threads.append(thread)
        qtbot.waitUntil(lambda: len(recorder.snapshots) >= 1, timeout=5000)
        return thread, recorder

    yield _start
    for thread in threads:
        assert thread.shutdown()


def test_a_short_run_has_activation_statistics_spread_over_all_of_it(qtbot, start):
    exp = default_experiment()  # two spirals, stop at epoch 300 (7,500 steps)
    thread, rec = start(exp)
    thread.worker.set_stop_after(exp.training.epochs)
    thread.worker.play()
    qtbot.waitUntil(lambda: bool(rec.limits) and not rec.last.running, timeout=60000)
    total = rec.last.step
    assert total == exp.training.epochs * 25  # 400 training rows / batch 16
    logged = np.concatenate([s.act_steps for s in rec.snapshots])
    trained = np.unique(logged[logged > 0])
    assert len(trained) >= 50  # not just the ~10 snapshots' steps
    assert trained[0] <= 0.01 * total and trained[-1] >= 0.95 * total
    assert np.diff(trained).max() <= 0.05 * total  # no long stretch without a sample
    # the stacked statistics match the steps; the latest is `act` (per layer, 5 percentiles)
    for snap in rec.snapshots:
        k = len(snap.act_steps)
        if k:
            assert snap.act_percentiles.shape == (k, 4, 5)
            assert snap.act_saturated.shape == snap.act_dead.shape == (k, 4)
    last = next(s for s in reversed(rec.snapshots) if len(s.act_steps))
    assert np.array_equal(last.act_percentiles[-1], last.act.percentiles)
    # a plot that saw only every 5th snapshot (the window merges the skipped ones) gets all
    plot = ActivationPlot()
    plot.reset(exp_context(thread))
    merged = None
    for i, snap in enumerate(rec.snapshots):
        merged = merge_snapshots(merged, snap)
        if i % 5 == 4 or i == len(rec.snapshots) - 1:
            plot.append(merged)
            merged = None
    assert plot.history_size == len(np.unique(logged))
    assert plot._history.x[-1] == total


def exp_context(thread):
    return thread.worker._session.context


def test_merging_keeps_every_activation_measurement():
    from nnstudio.gui.snapshot import Snapshot

    a = Snapshot(generation=1, act_steps=np.array([1, 5]),
                 act_percentiles=np.zeros((2, 3, 5)), act_saturated=np.zeros((2, 3)),
                 act_dead=np.zeros((2, 3)))
    b = Snapshot(generation=1)  # nothing measured in between
    c = Snapshot(generation=1, act_steps=np.array([9]), act_percentiles=np.ones((1, 3, 5)),
                 act_saturated=np.ones((1, 3)), act_dead=np.ones((1, 3)))
    m = merge_snapshots(merge_snapshots(a, b), c)
    assert m.act_steps.tolist() == [1, 5, 9]
    assert m.act_percentiles.shape == (3, 3, 5) and m.act_percentiles[2].min() == 1.0
    assert m.act_saturated.shape == m.act_dead.shape == (3, 3)
    other = Snapshot(generation=2)
    assert merge_snapshots(a, other) is other


def _rate(qtbot, rec, seconds_ms: int) -> float:
    """Steps a second over about ``seconds_ms``, by the snapshots' own step counts."""
    qtbot.waitUntil(lambda: rec.last.running and rec.last.step > 0, timeout=5000)
    first = rec.last
    n0 = len(rec.snapshots)
    import time

    t0 = time.perf_counter()
    qtbot.wait(seconds_ms)
    last = rec.snapshots[-1]
    elapsed = time.perf_counter() - t0
    assert len(rec.snapshots) > n0
    return (last.step - first.step) / elapsed


def test_a_speed_limit_paces_training_and_pause_stays_prompt(qtbot, start):
    thread, rec = start(circles_experiment(epochs=0))
    worker = thread.worker
    worker.set_speed_limit(100)
    worker.play()
    rate = _rate(qtbot, rec, 1200)
    assert 50 <= rate <= 150  # a loose band: behaviour, not a timing threshold
    # every step still arrives, in order, and snapshots keep coming (not one per second)
    steps = rec.steps()
    assert np.array_equal(steps, np.arange(1, len(steps) + 1))
    assert len(rec.snapshots) >= 10
    worker.pause()
    qtbot.waitUntil(lambda: not rec.last.running, timeout=2000)
    stopped = rec.last.step
    qtbot.wait(200)
    assert rec.last.step == stopped
    # back to full speed: unlimited (far more than the limit would allow)
    worker.set_speed_limit(None)
    worker.play()
    qtbot.waitUntil(lambda: rec.last.step > stopped + 2000, timeout=20000)
    worker.pause()
    qtbot.waitUntil(lambda: not rec.last.running, timeout=2000)
    assert worker.speed_limit is None


def test_at_a_slow_speed_every_step_gets_its_own_snapshot_with_pictures(qtbot, start):
    thread, rec = start(circles_experiment(epochs=0))
    thread.worker.set_speed_limit(10)
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.last.step >= 6, timeout=10000)
    thread.worker.pause()
    qtbot.waitUntil(lambda: not rec.last.running, timeout=2000)
    running = [s for s in rec.snapshots if s.running and len(s.steps)]
    assert len(running) >= 5
    assert all(len(s.steps) == 1 for s in running)  # one step per frame
    assert all(s.output is not None for s in running)  # each with its picture
    assert all(s.act_steps.tolist() == s.steps.tolist() for s in running)  # and statistics


def test_a_speed_limit_must_be_positive(start):
    thread, _ = start(circles_experiment(epochs=0))
    for bad in (0, -5, float("nan")):
        with pytest.raises(ValueError, match="positive"):
            thread.worker.set_speed_limit(bad)
