"""Reset after File ▸ Open model goes back to the model's weights as loaded; a network
designed in the window (or rebuilt after the model was opened) re-initializes."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication

from nnstudio.cli import main as cli_main
from nnstudio.engine.experiment import save_experiment
from nnstudio.engine.modelfile import load_model


def wait_paused(qtbot, win) -> None:
    qtbot.waitUntil(lambda: not win.running and win._last_snapshot is not None
                    and not win._last_snapshot.running, timeout=10_000)


def weights_now(qtbot, win) -> list:
    """The worker's weights once every queued command is applied (a fresh snapshot)."""
    drawn = win.snapshots_drawn
    win.worker.request_snapshot()
    qtbot.waitUntil(lambda: win.snapshots_drawn > drawn and not win._frames, timeout=5000)
    wait_paused(qtbot, win)
    return win._last_snapshot.weights


def assert_same(weights, reference) -> None:
    assert len(weights) == len(reference)
    for (W, b), (W0, b0) in zip(weights, reference):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def differs(weights, reference) -> bool:
    return any(not np.array_equal(W, W0) for (W, _), (W0, _) in zip(weights, reference))


def trained_model(tmp_path, circles):
    exp_path = tmp_path / "circles.json"
    save_experiment(circles(epochs=3), exp_path)
    model_path = tmp_path / "trained.npz"
    assert cli_main(["train", str(exp_path), "--quiet", "--export", str(model_path)]) == 0
    model = load_model(model_path)
    return model_path, [(layer.W, layer.b) for layer in model.network.layers]


def train_steps(qtbot, win, steps: int) -> None:
    for k in range(steps):
        win.step_batch()
        qtbot.waitUntil(lambda k=k: win._last_snapshot is not None
                        and win._last_snapshot.step == k + 1, timeout=5000)


def test_reset_after_open_model_restores_the_files_weights(qtbot, window, tmp_path, circles):
    model_path, file_weights = trained_model(tmp_path, circles)
    win = window()
    default_tip = win.training_bar.reset_action.toolTip()
    assert not win.reset_restores_model
    assert win.open_model_file(model_path)
    assert win.reset_restores_model
    tip = win.training_bar.reset_action.toolTip()
    assert "trained.npz" in tip and "as loaded" in tip and tip != default_tip

    train_steps(qtbot, win, 5)
    assert differs(weights_now(qtbot, win), file_weights)  # training moved them

    win.reset_training()
    weights = weights_now(qtbot, win)
    assert win._last_snapshot.step == 0 and win._last_snapshot.epoch == 0
    assert_same(weights, file_weights)
    assert_same(win.current_network().get_weights(), file_weights)  # what export writes

    # also after training for a while at full speed, and with the button
    win.play()
    qtbot.waitUntil(lambda: win._last_snapshot.step > 20, timeout=10_000)
    win.pause()
    wait_paused(qtbot, win)
    win.training_bar.reset_button.click()
    assert_same(weights_now(qtbot, win), file_weights)

    # "Reset with new random weights" still re-initializes
    win.reset_training(new_seed=True)
    assert differs(weights_now(qtbot, win), file_weights)


def test_reset_re_initializes_a_designed_network(qtbot, window, tmp_path, circles):
    model_path, file_weights = trained_model(tmp_path, circles)
    win = window()
    initial = [(np.array(W), np.array(b)) for W, b in weights_now(qtbot, win)]
    train_steps(qtbot, win, 3)
    win.reset_training()
    assert_same(weights_now(qtbot, win), initial)  # the experiment's seed: the same start

    # after opening a model, a designer edit builds a new network: Reset re-initializes it
    assert win.open_model_file(model_path)
    win.designer_panel.add_layer()
    qtbot.waitUntil(lambda: not win._rebuild_timer.isActive(), timeout=3000)
    QApplication.processEvents()
    assert not win.reset_restores_model
    assert "re-initialize" in win.training_bar.reset_action.toolTip()
    fresh = [(np.array(W), np.array(b)) for W, b in weights_now(qtbot, win)]
    train_steps(qtbot, win, 3)
    win.reset_training()
    assert_same(weights_now(qtbot, win), fresh)


def test_the_loaded_note_gives_way_to_the_training_readouts(qtbot, window, tmp_path, circles):
    model_path, _ = trained_model(tmp_path, circles)
    win = window()
    assert win.open_model_file(model_path)
    assert "Loaded trained.npz" in win.statusBar().currentMessage()
    win.play()  # the epoch, speed and loss readouts show again
    qtbot.waitUntil(lambda: win.running, timeout=5000)
    assert win.statusBar().currentMessage() == ""
    win.pause()
    wait_paused(qtbot, win)
    assert win.open_model_file(model_path)
    win.data_panel.changed.emit()  # a data or designer edit rebuilds the network
    win.rebuild_from_panels()
    assert win.statusBar().currentMessage() == ""
