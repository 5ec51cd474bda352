"""The training worker: commands applied between steps, snapshots, divergence, shutdown."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from nnstudio.engine.experiment import DataConfig, Experiment
from nnstudio.engine.network import LayerSpec
from nnstudio.gui.session import build_session
from nnstudio.gui.worker import TrainingThread
from tests.gui.conftest import circles_experiment


def small_experiment(**training) -> Experiment:
    """The shared small circles experiment, 100 epochs unless ``training`` says otherwise."""
    return circles_experiment(**{"epochs": 100, **training})


class Recorder:
    """Collects the worker's snapshots (acknowledging each, as the main window does)."""

    def __init__(self, thread: TrainingThread, acknowledge: bool = True) -> None:
        self.worker = thread.worker
        self.snapshots = []
        self.diverged: list[str] = []
        self.running: list[bool] = []
        self.limits: list[int] = []
        self.acknowledge = acknowledge
        self.worker.snapshot.connect(self._on_snapshot)
        self.worker.diverged.connect(self.diverged.append)
        self.worker.running_changed.connect(self.running.append)
        self.worker.limit_reached.connect(self.limits.append)

    def _on_snapshot(self, snap) -> None:
        self.snapshots.append(snap)
        if self.acknowledge:
            self.worker.acknowledge()

    @property
    def last(self):
        return self.snapshots[-1]

    def steps(self) -> np.ndarray:
        parts = [s.steps for s in self.snapshots]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


@pytest.fixture
def start(qtbot):
    threads: list[TrainingThread] = []

    def _start(exp: Experiment | None = None, acknowledge: bool = True):
        session = build_session(exp or small_experiment())
        thread = TrainingThread(session)
        recorder = Recorder(thread, acknowledge)
        thread.start()
        threads.append(thread)
        qtbot.waitUntil(lambda: len(recorder.snapshots) >= 1, timeout=5000)
        return thread, recorder, session

    yield _start
    for thread in threads:
        assert thread.shutdown()
        assert not thread.thread.isRunning()


def test_initial_snapshot_describes_the_untrained_network(start):
    _, rec, session = start()
    snap = rec.last
    assert snap.step == 0 and snap.epoch == 0 and not snap.running and snap.fresh
    assert [W.shape for W, _ in snap.weights] == [(2, 4), (4, 3), (3, 1)]
    assert snap.output is not None and snap.output["value"].shape == (100, 100)
    assert [img.shape for img in snap.neuron_images] == [(4, 24, 24), (3, 24, 24), (1, 24, 24)]


def test_play_streams_every_step_and_pause_stops(qtbot, start):
    thread, rec, _ = start()
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.last.epoch >= 20, timeout=10000)
    thread.worker.pause()
    qtbot.waitUntil(lambda: rec.running and rec.running[-1] is False and not rec.last.running,
                    timeout=5000)
    steps = rec.steps()
    # every step arrives exactly once, in order
    assert np.array_equal(steps, np.arange(1, len(steps) + 1))
    assert rec.last.step == len(steps)
    total_epochs = sum(len(s.epochs) for s in rec.snapshots)
    assert total_epochs == rec.last.epoch
    grads = np.vstack([s.grads for s in rec.snapshots if len(s.grads)])
    assert grads.shape == (len(steps), 3) and np.all(grads >= 0)
    assert rec.last.act is not None and rec.last.act.mean.shape == (3,)
    assert rec.last.metrics["train_accuracy"] is not None
    stopped_at = rec.last.step
    qtbot.wait(200)
    assert rec.last.step == stopped_at  # paused: no more training


def test_snapshots_are_rate_limited(qtbot, start):
    thread, rec, _ = start()
    thread.worker.play()
    qtbot.wait(1000)
    thread.worker.pause()
    qtbot.waitUntil(lambda: not rec.last.running, timeout=5000)
    assert rec.last.step > 100
    assert len(rec.snapshots) <= 40  # ~30 per second at most (+ the initial and pause ones)


def test_unacknowledged_snapshots_are_held_back(qtbot, start):
    thread, rec, _ = start(acknowledge=False)
    thread.worker.play()
    qtbot.wait(1500)
    thread.worker.pause()
    qtbot.waitUntil(lambda: rec.running and rec.running[-1] is False, timeout=5000)
    qtbot.wait(100)
    # without acknowledgements the worker only re-sends after a 1 s timeout
    assert len(rec.snapshots) <= 5
    assert np.array_equal(rec.steps(), np.arange(1, rec.last.step + 1))


def test_step_batch_and_step_epoch(qtbot, start):
    thread, rec, session = start()
    steps_per_epoch = session.trainer.steps_per_epoch
    thread.worker.step_batch()
    qtbot.waitUntil(lambda: rec.last.step == 1, timeout=5000)
    assert not rec.last.running and rec.last.epoch == 0
    thread.worker.step_epoch()
    qtbot.waitUntil(lambda: rec.last.epoch == 1 and not rec.last.running, timeout=5000)
    assert rec.last.step == steps_per_epoch  # the rest of the first epoch
    thread.worker.step_epoch()
    qtbot.waitUntil(lambda: rec.last.epoch == 2 and not rec.last.running, timeout=5000)
    assert rec.last.step == 2 * steps_per_epoch
    assert rec.running[-1] is False


def test_weight_edit_while_paused_takes_effect(qtbot, start):
    thread, rec, _ = start()
    before = len(rec.snapshots)
    thread.worker.set_weight(1, 2, 0, 3.25)
    thread.worker.set_bias(0, 3, -1.5)
    qtbot.waitUntil(lambda: len(rec.snapshots) >= before + 2, timeout=5000)
    W1, _ = rec.last.weights[1]
    _, b0 = rec.last.weights[0]
    assert W1[2, 0] == 3.25 and b0[3] == -1.5
    # the output picture was recomputed with the new weights
    assert rec.last.output is not None


def test_weight_edit_while_running_takes_effect(qtbot, start):
    thread, rec, _ = start(small_experiment(learning_rate=1e-5))
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.last.step > 50, timeout=5000)
    thread.worker.set_weight(0, 1, 2, 7.5)
    edited_at = rec.last.step
    qtbot.waitUntil(lambda: rec.last.step > edited_at + 50, timeout=5000)
    assert rec.last.running
    # applied between steps; later steps move it only by ~lr * gradient
    assert rec.last.weights[0][0][1, 2] == pytest.approx(7.5, abs=0.01)


def test_learning_rate_change_mid_run(qtbot, start):
    thread, rec, session = start(small_experiment(learning_rate=0.5))
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.last.step > 100, timeout=5000)
    fast, mark = [W.copy() for W, _ in rec.last.weights], rec.last.step
    qtbot.waitUntil(lambda: rec.last.step > mark + 200, timeout=5000)
    moved_fast = sum(np.abs(W - W0).sum() for (W, _), W0 in zip(rec.last.weights, fast))
    thread.worker.set_learning_rate(1e-6)
    qtbot.wait(100)
    mark = rec.last.step
    slow = [W.copy() for W, _ in rec.last.weights]
    qtbot.waitUntil(lambda: rec.last.step > mark + 200, timeout=5000)
    moved_slow = sum(np.abs(W - W0).sum() for (W, _), W0 in zip(rec.last.weights, slow))
    assert rec.last.running
    assert moved_slow < moved_fast * 1e-3
    thread.worker.pause()
    qtbot.waitUntil(lambda: not rec.last.running, timeout=5000)
    assert session.trainer.config.learning_rate == 1e-6
    assert session.trainer.optimizer.lr == 1e-6


def test_optimizer_batch_size_and_regularization_change_without_reset(qtbot, start):
    thread, rec, session = start()
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.last.step > 20, timeout=5000)
    thread.worker.set_optimizer("adam")
    thread.worker.set_batch_size(None)
    thread.worker.set_regularization(0.001, 0.01)
    mark = rec.last.step
    qtbot.waitUntil(lambda: rec.last.step > mark + 20, timeout=5000)
    thread.worker.pause()
    qtbot.waitUntil(lambda: not rec.last.running, timeout=5000)
    config = session.trainer.config
    assert (config.optimizer, config.batch_size, config.l1, config.l2) == ("adam", None, 0.001,
                                                                            0.01)
    assert rec.last.step > mark  # the step counter went on: no reset
    assert np.array_equal(rec.steps(), np.arange(1, rec.last.step + 1))


def test_reset_restores_the_initial_weights(qtbot, start):
    thread, rec, _ = start()
    initial = [W.copy() for W, _ in rec.snapshots[0].weights]
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.last.step > 100, timeout=5000)
    thread.worker.reset(generation=7)
    qtbot.waitUntil(lambda: rec.last.generation == 7, timeout=5000)
    snap = rec.last
    assert snap.fresh and snap.step == 0 and snap.epoch == 0 and not snap.running
    for (W, b), W0 in zip(snap.weights, initial):
        assert np.array_equal(W, W0) and not b.any()
    thread.worker.reset(generation=8, seed=123)
    qtbot.waitUntil(lambda: rec.last.generation == 8, timeout=5000)
    assert not np.array_equal(rec.last.weights[0][0], initial[0])


def test_stop_after_n_epochs(qtbot, start):
    thread, rec, _ = start()
    thread.worker.set_stop_after(3)
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.limits == [3], timeout=5000)
    qtbot.waitUntil(lambda: not rec.last.running, timeout=5000)
    assert rec.last.epoch == 3
    thread.worker.play()  # already there: stays paused and says so again
    qtbot.waitUntil(lambda: rec.limits == [3, 3], timeout=5000)
    assert rec.last.epoch == 3


def test_divergence_pauses_with_a_message(qtbot, start):
    exp = small_experiment(learning_rate=10.0)
    exp.data = DataConfig(source="builtin", name="gauss_mix", samples=200, seed=0)
    thread, rec, _ = start(exp)
    with qtbot.waitSignal(thread.worker.diverged, timeout=10000) as blocker:
        thread.worker.play()
    message = blocker.args[0]
    assert "learning rate" in message and "10" in message
    qtbot.waitUntil(lambda: rec.running[-1] is False, timeout=5000)
    assert rec.last.diverged == message and not rec.last.running
    # play refuses until a reset; a reset trains again
    thread.worker.play()
    qtbot.waitUntil(lambda: len(rec.diverged) == 2, timeout=5000)
    thread.worker.set_learning_rate(0.01)
    thread.worker.reset(generation=1)
    qtbot.waitUntil(lambda: rec.last.generation == 1, timeout=5000)
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.last.epoch >= 5, timeout=5000)
    assert rec.last.diverged is None


def test_replace_experiment(qtbot, start):
    thread, rec, _ = start()
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.last.step > 10, timeout=5000)
    exp = small_experiment()
    exp.hidden = [LayerSpec(5, "relu")] * 3
    new = build_session(exp)
    thread.worker.replace(new, generation=2)
    qtbot.waitUntil(lambda: rec.last.generation == 2, timeout=5000)
    assert rec.last.fresh and rec.last.step == 0 and not rec.last.running
    assert [W.shape for W, _ in rec.last.weights] == [(2, 5), (5, 5), (5, 5), (5, 1)]
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.last.step > 10, timeout=5000)
    assert rec.last.grads.shape[1] == 4


def test_blas_is_pinned_to_one_thread_while_the_worker_runs(qtbot, start):
    thread, rec, _ = start()
    blas = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    if not blas:
        pytest.skip("no BLAS library found by threadpoolctl")
    assert all(info["num_threads"] == 1 for info in blas)


def test_shutdown_while_training_joins_the_thread(qtbot):
    session = build_session(small_experiment())
    thread = TrainingThread(session)
    finished = []
    thread.worker.finished.connect(lambda: finished.append(True))
    thread.start()
    thread.worker.play()
    qtbot.wait(300)
    assert thread.thread.isRunning()
    assert thread.shutdown(timeout_ms=5000)
    assert not thread.thread.isRunning() and thread.thread.isFinished()
    assert thread.shutdown()  # idempotent


def _expected_act(snap, session):
    """The activation statistics of ``snap``'s weights over the training data."""
    from nnstudio.engine.network import Network
    from nnstudio.engine.training import activation_stats

    network = Network(session.network.spec.copy(), seed=0)
    network.set_weights(snap.weights)
    network.forward(session.trainer.X_train)
    return activation_stats(network)


def test_a_run_starts_with_the_activation_statistics_of_the_untrained_network(qtbot, start):
    thread, rec, session = start()
    first = rec.snapshots[0]
    assert first.step == 0 and first.act is not None  # the plot can start at step 0
    expected = _expected_act(first, session)
    np.testing.assert_allclose(first.act.percentiles, expected.percentiles, rtol=1e-12)
    np.testing.assert_allclose(first.act.mean, expected.mean, rtol=1e-12)
    # ... and so does a reset run
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.last.step > 50, timeout=5000)
    thread.worker.pause()
    qtbot.waitUntil(lambda: not rec.last.running, timeout=5000)
    assert all(s.act is not None for s in rec.snapshots)
    thread.worker.reset(generation=3)
    qtbot.waitUntil(lambda: rec.last.generation == 3, timeout=5000)
    snap = rec.last
    assert snap.fresh and snap.step == 0 and snap.act is not None
    np.testing.assert_allclose(snap.act.percentiles,
                               _expected_act(snap, session).percentiles, rtol=1e-12)


def test_a_paused_snapshot_describes_the_network_as_it_is(qtbot, start):
    """Stopped between two frames (an epoch limit), the activation statistics are of the
    final weights on the training data, not of the last measured mini-batch; also after a
    weight edit while paused."""
    thread, rec, session = start()
    thread.worker.set_stop_after(5)
    thread.worker.play()
    qtbot.waitUntil(lambda: rec.limits == [5] and not rec.last.running, timeout=5000)
    snap = rec.last
    assert snap.step == 5 * 10  # 200 samples, 160 for training, batches of 16: 10 an epoch
    expected = _expected_act(snap, session)
    np.testing.assert_allclose(snap.act.percentiles, expected.percentiles, rtol=1e-12)
    np.testing.assert_allclose(snap.act.saturated, expected.saturated, rtol=1e-12)
    thread.worker.set_weight(0, 0, 0, 8.0)  # saturates the first hidden layer more
    qtbot.waitUntil(lambda: rec.last.weights[0][0][0, 0] == 8.0, timeout=5000)
    edited = rec.last
    np.testing.assert_allclose(edited.act.percentiles,
                               _expected_act(edited, session).percentiles, rtol=1e-12)
    assert edited.act.saturated[0] != snap.act.saturated[0]


def test_pictures_follow_the_weights_while_training(qtbot, start):
    """The output picture comes from the worker's cached input plane (float32): it equals
    the engine's output grid of the snapshot's weights up to float32 rounding."""
    from nnstudio.engine import grids
    from nnstudio.engine.network import Network

    thread, rec, session = start()
    thread.worker.play()
    qtbot.waitUntil(lambda: sum(s.running for s in rec.snapshots) >= 12, timeout=10000)
    thread.worker.pause()
    qtbot.waitUntil(lambda: not rec.last.running, timeout=5000)
    snap = rec.last
    network = Network(session.network.spec.copy(), seed=0)
    network.set_weights(snap.weights)
    expected = grids.output_grid(network, session.prepared.transform, session.context.extent,
                                 100)
    np.testing.assert_allclose(snap.output["value"], expected["value"], atol=1e-5)
    neurons = grids.neuron_grids(network, session.prepared.transform, session.context.extent,
                                 24)
    for got, want in zip(snap.neuron_images, neurons):
        np.testing.assert_allclose(got, want, atol=1e-5)
    # while training, histograms came with some snapshots, never with the same as pictures
    running = [s for s in rec.snapshots if s.running]
    assert any(s.histograms is not None for s in running)
    assert not any(s.histograms is not None and s.output is not None for s in running)


def test_histograms_come_less_often_when_asked(qtbot, start):
    thread, rec, _ = start()
    thread.worker.set_histogram_interval(100.0)  # e.g. nobody looks at them
    thread.worker.play()
    qtbot.waitUntil(lambda: sum(s.running for s in rec.snapshots) >= 12, timeout=10000)
    thread.worker.pause()
    qtbot.waitUntil(lambda: not rec.last.running, timeout=5000)
    running = [s for s in rec.snapshots if s.running]
    assert sum(s.histograms is not None for s in running) <= 1
    assert sum(s.output is not None for s in running) >= 2  # the pictures go on
    assert rec.last.histograms is not None  # paused: the histograms of where it stopped
