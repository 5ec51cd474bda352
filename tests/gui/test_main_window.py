"""The main window: designer edits, training controls, weight edits, divergence, closing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from nnstudio.engine.experiment import DataConfig, load_experiment
from nnstudio.engine.modelfile import load_model
from nnstudio.gui.app import ensure_app, take_screenshot
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.presets import list_presets
from tests.gui.conftest import circles_experiment

ROOT = Path(__file__).resolve().parents[2]


def wait_paused(qtbot, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: not win.running and win._last_snapshot is not None
                    and not win._last_snapshot.running, timeout=5000)


def test_opens_on_the_experiment_with_its_counts(window):
    win = window()
    assert win.spec.sizes == [2, 4, 3, 1]
    assert win.spec.n_neurons == 8 and win.spec.n_params == 12 + 15 + 4
    assert "8 neurons" in win._status_arch.text() and "31 parameters" in win._status_arch.text()
    assert win.network_view.spec.sizes == [2, 4, 3, 1]
    assert win.lesson.isVisible() and "Small circles" in win.lesson.label.text()
    assert win.startup_error is None and not win.banner.isVisible()
    assert "Small circles" in win.windowTitle()


def test_designer_edits_change_counts_and_network(qtbot, window):
    win = window()
    generation = win._generation
    win.designer_panel.add_layer()
    qtbot.waitUntil(lambda: win._generation > generation, timeout=3000)
    sizes = win.spec.sizes
    assert len(sizes) == 5 and sizes[0] == 2 and sizes[-1] == 1
    spec = win.spec
    assert win.designer_panel.counts() == (spec.n_neurons, spec.n_params)
    assert f"{spec.n_params:,} parameters" in win._status_arch.text()
    assert win.network_view.spec.sizes == sizes
    # the worker trains the new network
    qtbot.waitUntil(lambda: win._last_snapshot is not None
                    and len(win._last_snapshot.weights) == 4, timeout=5000)
    row = win.designer_panel.rows[0]
    row.units.setValue(7)
    qtbot.waitUntil(lambda: win.spec.sizes[1] == 7, timeout=3000)
    qtbot.waitUntil(lambda: win._last_snapshot is not None
                    and win._last_snapshot.weights[0][0].shape == (2, 7), timeout=5000)
    assert win.experiment.hidden[0].units == 7


def test_data_panel_edits_rebuild_the_session(qtbot, window):
    win = window()
    win.data_panel.select_dataset("iris")
    qtbot.waitUntil(lambda: win.spec.inputs == 4, timeout=3000)
    assert win.spec.task == "multiclass" and win.spec.sizes[-1] == 3
    assert win.session_context.extent is None
    win.play()
    qtbot.waitUntil(lambda: win._last_snapshot is not None and win._last_snapshot.epoch >= 3,
                    timeout=5000)
    win.pause()
    wait_paused(qtbot, win)
    assert win._last_snapshot.confusion is not None
    assert win._last_snapshot.confusion.shape == (3, 3)


def test_play_pause_step_and_reset(qtbot, window):
    win = window()
    bar = win.training_bar
    bar.play_button.click()
    qtbot.waitUntil(lambda: win.running, timeout=3000)
    assert bar.play_button.isChecked() and "Pause" in bar.play_button.text()
    qtbot.waitUntil(lambda: win._last_snapshot.epoch >= 2, timeout=5000)
    bar.play_button.click()
    wait_paused(qtbot, win)
    assert not bar.play_button.isChecked() and "Play" in bar.play_button.text()
    assert win._status_speed.text() == "paused"
    step = win._last_snapshot.step
    bar.step_button.click()
    qtbot.waitUntil(lambda: win._last_snapshot.step == step + 1, timeout=3000)
    epoch = win._last_snapshot.epoch
    bar.epoch_button.click()
    qtbot.waitUntil(lambda: win._last_snapshot.epoch == epoch + 1, timeout=3000)
    assert bar.epoch_label.text() == f"Epoch {epoch + 1}"
    bar.reset_button.click()
    qtbot.waitUntil(lambda: win._last_snapshot is not None and win._last_snapshot.step == 0,
                    timeout=3000)
    assert bar.epoch_label.text() == "Epoch 0"


def test_stops_at_the_experiments_epochs(qtbot, window):
    win = window(circles_experiment(epochs=5))
    bar = win.training_bar
    assert bar.stop_check.isChecked() and bar.stop_spin.value() == 5
    bar.play_button.click()
    qtbot.waitUntil(lambda: win._last_snapshot.epoch == 5 and not win._last_snapshot.running,
                    timeout=5000)
    qtbot.waitUntil(lambda: not bar.play_button.isChecked(), timeout=3000)
    assert win._status_speed.text() == "stopped at epoch 5"
    bar.play_button.click()  # refused at the limit: the button must not stay pressed
    qtbot.waitUntil(lambda: not bar.play_button.isChecked(), timeout=3000)
    assert win._last_snapshot.epoch == 5
    bar.stop_check.setChecked(False)  # untick: trains on
    bar.play_button.click()
    qtbot.waitUntil(lambda: win._last_snapshot.epoch > 6, timeout=5000)
    win.pause()
    wait_paused(qtbot, win)


def test_space_toggles_training(qtbot, window):
    win = window()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    win.network_view.setFocus()
    qtbot.keyClick(win.network_view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.running, timeout=3000)
    qtbot.keyClick(win.network_view, Qt.Key.Key_Space)
    wait_paused(qtbot, win)


def test_weight_edit_while_paused(qtbot, window):
    win = window()
    win.network_view.weight_edit_requested.emit(1, 2, 0, 2.5)
    win.network_view.bias_edit_requested.emit(0, 1, -0.75)
    qtbot.waitUntil(lambda: win._last_snapshot.weights[1][0][2, 0] == 2.5
                    and win._last_snapshot.weights[0][1][1] == -0.75, timeout=3000)
    assert win.network_view._weights[1][0][2, 0] == 2.5


def test_weight_edit_while_running(qtbot, window):
    win = window(circles_experiment(learning_rate=1e-5))
    win.play()
    qtbot.waitUntil(lambda: win.running and win._last_snapshot.step > 20, timeout=3000)
    win.edit_weight(0, 0, 3, -4.0)
    mark = win._last_snapshot.step
    qtbot.waitUntil(lambda: win._last_snapshot.step > mark + 20, timeout=3000)
    assert win.running
    assert win._last_snapshot.weights[0][0][0, 3] == pytest.approx(-4.0, abs=0.01)


def test_learning_rate_changed_mid_run(qtbot, window):
    win = window()
    win.play()
    qtbot.waitUntil(lambda: win.running and win._last_snapshot.step > 20, timeout=3000)
    combo = win.training_bar.lr_combo
    combo.setCurrentIndex(combo.findData(0.003))
    combo.activated.emit(combo.currentIndex())
    assert win.experiment.training.learning_rate == 0.003
    mark = win._last_snapshot.step
    qtbot.waitUntil(lambda: win._last_snapshot.step > mark + 20, timeout=3000)
    assert win.running  # no reset, no pause
    win.pause()
    wait_paused(qtbot, win)
    trainer = win.worker._session.trainer
    assert trainer.config.learning_rate == 0.003 and trainer.optimizer.lr == 0.003
    # a typed value works too
    combo.setEditText("0.0005")
    combo.lineEdit().editingFinished.emit()
    assert win.experiment.training.learning_rate == 0.0005


def test_optimizer_batch_and_regularization_from_the_toolbar(qtbot, window):
    win = window()
    bar = win.training_bar
    bar.optimizer_combo.setCurrentIndex(bar.optimizer_combo.findData("adam"))
    bar.optimizer_combo.activated.emit(bar.optimizer_combo.currentIndex())
    bar.batch_combo.setCurrentIndex(bar.batch_combo.findText("full"))
    bar.batch_combo.activated.emit(bar.batch_combo.currentIndex())
    bar.l2_combo.setCurrentIndex(bar.l2_combo.findData(0.01))
    bar.l2_combo.activated.emit(bar.l2_combo.currentIndex())
    training = win.experiment.training
    assert (training.optimizer, training.batch_size, training.l2) == ("adam", None, 0.01)
    win.step_batch()
    qtbot.waitUntil(lambda: win._last_snapshot.step == 1, timeout=3000)
    config = win.worker._session.trainer.config
    assert (config.optimizer, config.batch_size, config.l2) == ("adam", None, 0.01)
    # full batch: one step is one epoch
    assert win._last_snapshot.epoch == 1


def test_plots_receive_data(qtbot, window):
    win = window()
    received = []
    original = win.plots.loss.append
    win.plots.loss.append = lambda snap: (received.append(snap), original(snap))
    win.play()
    qtbot.waitUntil(lambda: len(received) >= 5, timeout=5000)
    win.pause()
    wait_paused(qtbot, win)
    steps = np.concatenate([s.steps for s in received])
    assert len(steps) > 0 and np.all(np.diff(steps) == 1)
    assert any(s.epochs for s in received)
    assert received[-1].output is not None and received[-1].output["value"].shape == (100, 100)


def test_diverging_run_pauses_with_a_message(qtbot, window):
    exp = circles_experiment(learning_rate=10.0)
    exp.data = DataConfig(source="builtin", name="gauss_mix", samples=200, seed=0)
    win = window(exp)
    win.play()
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=10000)
    wait_paused(qtbot, win)
    assert "diverged" in win.banner.title.text()
    assert "learning rate" in win.banner.text.text()
    assert not win.training_bar.play_button.isChecked()
    assert win.last_diverged_message
    # the suggested fix: a ten times smaller learning rate, and a reset
    label = next(t for t in win.banner.button_labels() if t.startswith("Learning rate"))
    win.banner.click(label)
    assert win.experiment.training.learning_rate == pytest.approx(1.0)
    qtbot.waitUntil(lambda: win._last_snapshot is not None and win._last_snapshot.step == 0,
                    timeout=3000)
    assert not win.banner.isVisible()


def test_bad_experiment_shows_an_error_and_keeps_working(qtbot, window, tmp_path):
    win = window()
    bad = tmp_path / "bad.json"
    bad.write_text('{"hidden": [{"units": 3, "activation": "relux"}]}')
    assert not win.open_experiment_file(bad)
    assert win.banner.isVisible() and "relux" in win.banner.text.text()
    assert win.spec.sizes == [2, 4, 3, 1]  # the previous experiment stays


def test_save_and_export(qtbot, window, tmp_path):
    win = window()
    win.set_learning_rate(0.3)
    win.play()
    qtbot.waitUntil(lambda: win._last_snapshot.epoch >= 3, timeout=5000)
    win.pause()
    wait_paused(qtbot, win)
    path = tmp_path / "saved.json"
    assert win.save_experiment_to(path)
    loaded = load_experiment(path)
    assert loaded.training.learning_rate == 0.3
    assert [h.units for h in loaded.hidden] == [4, 3]
    model = tmp_path / "model.npz"
    assert win.export_model(model)
    restored = load_model(model)
    for (W, b), layer in zip(win._last_snapshot.weights, restored.network.layers):
        assert np.array_equal(W, layer.W) and np.array_equal(b, layer.b)


def test_every_preset_opens(qtbot, window):
    win = window()
    presets = list_presets()
    stems = {p.stem for p in presets}
    assert {"xor_hidden_layer", "vanishing_sigmoid", "vanishing_relu", "lr_too_high",
            "overfitting"} <= stems
    for preset in presets:
        assert win.load_preset(preset.stem), preset.stem
        assert not win.banner.isVisible()
        assert win.experiment.name == preset.name
        assert win.lesson.isVisible() and preset.name in win.lesson.label.text()
    assert win.presets_menu.actions()


def test_exercises_open_a_preset(qtbot, window):
    pytest.importorskip("nnstudio.gui.exercises")
    win = window()
    exercises = win.open_exercises()
    assert exercises is not None and exercises.isVisible()
    exercises.open_preset_requested.emit("xor_hidden_layer.json")
    assert win.experiment.name == "XOR needs a hidden layer"


def test_closing_while_training_stops_and_joins_the_thread(qtbot, window):
    win = window()
    win.play()
    qtbot.waitUntil(lambda: win.running, timeout=3000)
    thread = win._thread.thread
    assert thread.isRunning()
    win.close()
    assert not thread.isRunning() and thread.isFinished()


def test_closing_while_training_leaves_no_running_thread_at_exit(tmp_path):
    script = textwrap.dedent("""
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ["NNSTUDIO_SETTINGS_SCOPE"] = "test"
        from PySide6.QtCore import QTimer
        from nnstudio.gui.app import ensure_app
        from nnstudio.gui.main_window import MainWindow
        app = ensure_app()
        win = MainWindow(restore_layout=False)
        win.show()
        QTimer.singleShot(200, win.play)
        QTimer.singleShot(1200, win.close)
        QTimer.singleShot(1500, app.quit)
        app.exec()
        print("clean exit", win._thread.thread.isRunning())
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "clean exit False" in result.stdout
    assert "QThread" not in result.stderr


def test_take_screenshot_writes_a_png(tmp_path):
    out = tmp_path / "shot.png"
    assert take_screenshot(out, None, train_seconds=0.5) == 0
    image = QImage(str(out))
    assert not image.isNull()
    assert (image.width(), image.height()) == (1280, 800)


def test_take_screenshot_reports_errors(tmp_path, capsys):
    assert take_screenshot(tmp_path / "missing" / "x.png") == 1
    assert "folder does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert take_screenshot(tmp_path / "x.png", bad, 0.1) == 1
    assert "bad.json" in capsys.readouterr().err


def test_run_gui_opens_the_experiment_and_returns_when_closed(tmp_path):
    script = textwrap.dedent("""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ["NNSTUDIO_SETTINGS_SCOPE"] = "test"
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from nnstudio.gui import app

        app.ensure_app()  # timers need the application's event dispatcher

        def check_and_close():
            windows = [w for w in QApplication.topLevelWidgets()
                       if w.objectName() == "mainWindow"]
            print("title:", windows[0].windowTitle())
            windows[0].play()
            QTimer.singleShot(500, QApplication.closeAllWindows)

        QTimer.singleShot(300, check_and_close)
        sys.exit(app.run_gui(sys.argv[1]))
    """)
    preset = ROOT / "resources" / "presets" / "vanishing_relu.json"
    result = subprocess.run([sys.executable, "-c", script, str(preset)], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "title: Vanishing gradients: the same with ReLU" in result.stdout
    assert "QThread" not in result.stderr and "Traceback" not in result.stderr


def test_run_gui_reports_a_bad_experiment(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[training]\nlearning_rate = -1\n")
    script = ("import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'; "
              "from nnstudio.gui import app; sys.exit(app.run_gui(sys.argv[1]))")
    result = subprocess.run([sys.executable, "-c", script, str(bad)], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 1
    assert "bad.toml" in result.stderr and "learning_rate" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_window_whose_data_cannot_be_loaded_recovers(qtbot, tmp_path):
    ensure_app()
    exp = circles_experiment()
    exp.data = DataConfig(source="csv", path=str(tmp_path / "missing.csv"))
    win = MainWindow(exp, restore_layout=False)
    qtbot.addWidget(win)
    win.show()
    try:
        assert win.startup_error and "missing.csv" in win.startup_error
        assert win.banner.isVisible() and win.worker is None
        win.play()  # nothing to train: no crash
        win.data_panel.select_dataset("moons")
        qtbot.waitUntil(lambda: win.worker is not None and win.snapshots_drawn >= 1,
                        timeout=5000)
        assert win.startup_error is None and not win.banner.isVisible()
        assert win.spec.sizes == [2, 4, 3, 1]
    finally:
        win.close()
