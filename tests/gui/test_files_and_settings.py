"""Files and settings of the main window: save/open, unsaved changes, recent files, model
export and import (equal to the CLI's), failed writes, drag and drop, persisted settings,
themes, the shortcuts and About dialogs, and the training controls' tooltips."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QColor, QDragEnterEvent, QDropEvent, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from nnstudio.cli import main as cli_main
from nnstudio.engine.experiment import DataConfig, Experiment, load_experiment, save_experiment
from nnstudio.engine.history import history_columns
from nnstudio.engine.modelfile import load_model, save_model
from nnstudio.engine.network import LayerSpec
from nnstudio.gui import dialogs, file_actions, settings, style, theme
from nnstudio.gui.dialogs import ask_unsaved_changes as REAL_ASK
from nnstudio.gui.main_window import MainWindow


@pytest.fixture
def clean_settings():
    settings.clear_recent_files()
    yield
    settings.clear_recent_files()


def wait_paused(qtbot, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: not win.running and win._last_snapshot is not None
                    and not win._last_snapshot.running, timeout=10_000)


def settle(qtbot, win: MainWindow) -> None:
    """Let pending designer/data edits be applied."""
    qtbot.waitUntil(lambda: not win._rebuild_timer.isActive(), timeout=3000)
    QApplication.processEvents()


# --- save and open ---------------------------------------------------------------------------

def test_save_then_open_restores_data_design_and_training(qtbot, window, tmp_path,
                                                          clean_settings, circles):
    win = window()
    assert not win.isWindowModified()
    win.data_panel.select_dataset("moons")
    win.data_panel.seed.setValue(7)
    win.data_panel.samples.setValue(300)
    win.data_panel.standardize.setChecked(False)
    settle(qtbot, win)
    win.designer_panel.add_layer()
    settle(qtbot, win)
    bar = win.training_bar
    index = bar.optimizer_combo.findData("adam")
    bar.optimizer_combo.setCurrentIndex(index)
    bar.optimizer_combo.activated.emit(index)
    bar.lr_combo.setEditText("0.003")
    bar.lr_combo.lineEdit().editingFinished.emit()
    bar.batch_combo.setEditText("full")
    bar.batch_combo.lineEdit().editingFinished.emit()
    bar.l2_combo.setEditText("0.001")
    bar.l2_combo.lineEdit().editingFinished.emit()
    bar.stop_spin.setValue(250)
    assert win.isWindowModified() and "[*]" in win.windowTitle()

    shown = win.current_experiment()
    assert shown.data.name == "moons" and shown.data.seed == 7 and shown.data.samples == 300
    assert not shown.data.standardize and len(shown.hidden) == 3
    assert (shown.training.optimizer, shown.training.learning_rate) == ("adam", 0.003)
    assert shown.training.batch_size is None and shown.training.l2 == 0.001
    assert shown.training.epochs == 250

    path = tmp_path / "moons.json"
    assert win.save_experiment_to(path)
    assert not win.isWindowModified()
    assert "moons.json" in win.windowTitle()
    assert load_experiment(path).to_dict() == shown.to_dict()

    other = window(circles())
    assert other.open_experiment_file(path)
    assert other.current_experiment().to_dict() == shown.to_dict()
    assert other.experiment_path == path and not other.isWindowModified()
    assert other.spec.sizes == win.spec.sizes
    assert other.training_bar.optimizer_combo.currentData() == "adam"
    assert other.training_bar.batch_size() is None
    assert other.training_bar.stop_after() == 250
    assert other.data_panel.data_config().to_dict() == shown.data.to_dict()


def test_save_as_toml_and_experiment_runs_in_the_cli(qtbot, window, tmp_path, capsys, circles):
    win = window(circles(epochs=2))
    path = tmp_path / "run.toml"
    assert win.save_experiment_to(path)
    import tomllib

    assert tomllib.loads(path.read_text())["name"] == "Small circles"
    assert cli_main(["train", str(path), "--quiet"]) == 0


# --- unsaved changes ---------------------------------------------------------------------------

def answer_with(monkeypatch, button: QMessageBox.StandardButton) -> list[str]:
    """Let the real question dialog run, answered with ``button``; returns its texts."""
    texts: list[str] = []

    def exec_(box: QMessageBox) -> int:
        texts.append(box.text())
        return int(button.value) if hasattr(button, "value") else int(button)

    monkeypatch.setattr(dialogs, "ask_unsaved_changes", REAL_ASK)
    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return texts


def test_unsaved_changes_prompt_cancel_discard_save(qtbot, window, tmp_path, monkeypatch, circles):
    path = tmp_path / "exp.json"
    save_experiment(circles(), path)
    win = window(load_experiment(path), path)
    assert not win.isWindowModified()
    win.set_learning_rate(0.3)
    win._refresh_modified()
    assert win.isWindowModified()

    texts = answer_with(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not win.close()  # cancelled: the window stays, with its changes
    assert win.isVisible() and win.experiment.training.learning_rate == 0.3
    assert not win.new_experiment()
    assert win.experiment.name == "Small circles"
    assert texts and "exp.json" in texts[0] and "closing" in texts[0]

    answer_with(monkeypatch, QMessageBox.StandardButton.Save)
    assert win.new_experiment()  # saved, then the default experiment
    assert load_experiment(path).training.learning_rate == 0.3
    assert win.experiment.name == "Two spirals" and win.experiment_path is None

    win.set_learning_rate(0.01)
    win._refresh_modified()
    answer_with(monkeypatch, QMessageBox.StandardButton.Discard)
    assert win.open_experiment_file(path)
    assert win.experiment.training.learning_rate == 0.3
    assert load_experiment(path).training.learning_rate == 0.3


def test_unmodified_window_closes_without_asking(qtbot, window, unsaved_prompts):
    win = window()
    win.play()
    qtbot.waitUntil(lambda: win._last_snapshot is not None and win._last_snapshot.epoch >= 1,
                    timeout=5000)
    assert not win.is_modified()  # training changes weights, not the experiment
    assert win.close()
    assert unsaved_prompts == []


# --- recent files ------------------------------------------------------------------------------------

def test_recent_files_newest_first_existing_only_at_most_ten(qtbot, window, tmp_path,
                                                              clean_settings):
    win = window()
    paths = []
    for i in range(12):
        path = tmp_path / f"e{i}.json"
        assert win.save_experiment_to(path)
        paths.append(path)
    recent = settings.recent_files()
    assert recent == [p.resolve() for p in reversed(paths[-10:])]
    assert win.save_experiment_to(paths[5])  # again: moves to the top, no duplicate
    assert settings.recent_files()[0] == paths[5].resolve()
    assert len(settings.recent_files()) == 10
    paths[11].unlink()
    assert paths[11].resolve() not in settings.recent_files()

    win._fill_recent_menu()
    names = [a.text() for a in win.recent_menu.actions() if a.data()]
    assert names[0].endswith("e5.json") and len(names) == 9

    assert win.open_recent(paths[7])
    assert win.experiment_path == paths[7]
    paths[8].unlink()
    assert not win.open_recent(paths[8])
    assert win.banner.isVisible() and "no longer exists" in win.banner.text.text()

    win.clear_recent_files()
    assert settings.recent_files() == []
    texts = [a.text() for a in win.recent_menu.actions()]
    assert "No recent files" in texts


# --- models and history: the GUI's files equal the CLI's ----------------------------------------

def train_in_gui(qtbot, win: MainWindow, epochs: int) -> None:
    assert win.training_bar.stop_after() == epochs
    win.play()
    qtbot.waitUntil(lambda: win._last_snapshot is not None
                    and win._last_snapshot.epoch == epochs and not win.running, timeout=20_000)
    wait_paused(qtbot, win)


def test_exported_model_and_history_equal_the_cli(qtbot, window, tmp_path, circles):
    exp_path = tmp_path / "circles.json"
    save_experiment(circles(epochs=4), exp_path)
    win = window(load_experiment(exp_path), exp_path)
    train_in_gui(qtbot, win, 4)
    assert win.export_model(tmp_path / "gui.npz")
    assert win.export_history(tmp_path / "gui.csv")

    assert cli_main(["train", str(exp_path), "--quiet", "--export", str(tmp_path / "cli.npz"),
                     "--history", str(tmp_path / "cli.csv")]) == 0
    gui, cli = load_model(tmp_path / "gui.npz"), load_model(tmp_path / "cli.npz")
    assert gui.spec.to_dict() == cli.spec.to_dict()
    for a, b in zip(gui.network.layers, cli.network.layers):
        np.testing.assert_allclose(a.W, b.W, rtol=0, atol=1e-12)
        np.testing.assert_allclose(a.b, b.b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(gui.standardizer.mean, cli.standardizer.mean)
    X = np.random.default_rng(1).uniform(-1.5, 1.5, size=(50, 2))
    np.testing.assert_allclose(gui.predict_raw(X), cli.predict_raw(X), atol=1e-12)
    # ... and the window's own network predicts the same
    np.testing.assert_allclose(win.current_network().predict(win.prepared.transform(X)),
                               gui.predict_raw(X), atol=1e-12)

    gui_rows = (tmp_path / "gui.csv").read_text().splitlines()
    cli_rows = (tmp_path / "cli.csv").read_text().splitlines()
    assert gui_rows[0].split(",") == history_columns(True, 3)
    assert len(gui_rows) == 1 + 4
    assert gui_rows == cli_rows


def test_open_model_loads_architecture_weights_and_scaling(qtbot, window, tmp_path, circles):
    exp_path = tmp_path / "circles.json"
    save_experiment(circles(epochs=3), exp_path)
    model_path = tmp_path / "trained.npz"
    assert cli_main(["train", str(exp_path), "--quiet", "--export", str(model_path)]) == 0
    model = load_model(model_path)

    exp = circles()
    exp.hidden = [LayerSpec(6, "relu")]
    win = window(exp)
    assert win.spec.sizes == [2, 6, 1]
    assert "A small test network." in win.lesson.label.text()
    assert win.open_model_file(model_path)
    assert win.spec.sizes == model.spec.sizes == [2, 4, 3, 1]
    # the note above the network now describes the opened model, not the replaced one
    note = win.lesson.label.text()
    assert win.lesson.isVisibleTo(win)
    assert "A small test network." not in note
    assert "trained.npz: 2-4-3-1, 2 hidden layers (tanh), sigmoid output" in note
    assert win.experiment.description.startswith("The network from trained.npz")
    assert [(h.units, h.activation) for h in win.designer_panel.hidden_layers()] == \
        [(4, "tanh"), (3, "tanh")]
    assert not win.designer_panel.override.isChecked()  # sigmoid + BCE: the task's default
    assert win.isWindowModified()  # the experiment now describes the model's network
    np.testing.assert_array_equal(win.standardizer.mean, model.standardizer.mean)

    win.worker.request_snapshot()
    wait_paused(qtbot, win)
    qtbot.waitUntil(lambda: win._last_snapshot.epoch == 0, timeout=3000)
    for (W, b), layer in zip(win._last_snapshot.weights, model.network.layers):
        np.testing.assert_array_equal(W, layer.W)
        np.testing.assert_array_equal(b, layer.b)
    X = np.random.default_rng(2).uniform(-1.5, 1.5, size=(40, 2))
    np.testing.assert_allclose(win.current_network().predict(win.prepared.transform(X)),
                               model.predict_raw(X), atol=1e-12)

    # training continues from the loaded weights
    win.step_batch()
    qtbot.waitUntil(lambda: win._last_snapshot.step == 1, timeout=5000)
    W0 = win._last_snapshot.weights[0][0]
    assert not np.array_equal(W0, model.network.layers[0].W)
    assert np.abs(W0 - model.network.layers[0].W).max() < 0.5


def test_open_model_that_does_not_fit_the_data_says_why(qtbot, window, tmp_path, circles):
    exp_path = tmp_path / "circles.json"
    save_experiment(circles(epochs=1), exp_path)
    model_path = tmp_path / "circles.npz"
    assert cli_main(["train", str(exp_path), "--quiet", "--export", str(model_path)]) == 0
    iris = Experiment(name="Iris", data=DataConfig(source="builtin", name="iris"))
    win = window(iris)
    sizes = win.spec.sizes
    assert not win.open_model_file(model_path)
    text = win.banner.text.text()
    assert "circles.npz" in text and "iris" in text and "Data panel" in text
    assert "petal_width). Choose the data" in text  # two sentences, each with its full stop
    assert win.spec.sizes == sizes
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    assert not win.open_model_file(bad)
    assert "bad.npz" in win.banner.text.text()


def test_onnx_export_matches_the_network(qtbot, window, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    win = window()
    win.step_epoch()
    qtbot.waitUntil(lambda: win._last_snapshot.epoch == 1 and not win.running, timeout=5000)
    wait_paused(qtbot, win)
    path = tmp_path / "model.onnx"
    assert win.export_model(path)
    X = np.random.default_rng(3).uniform(-1.5, 1.5, size=(30, 2))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = session.run(None, {session.get_inputs()[0].name: X})[0]
    expected = win.current_network().predict(win.prepared.transform(X))
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_onnx_action_greyed_with_a_reason_when_onnx_is_missing(qtbot, window, monkeypatch):
    monkeypatch.setattr(file_actions, "onnx_available", lambda: False)
    win = window()
    action = win.file_actions["export_onnx"]
    assert not action.isEnabled()
    assert "pip install" in action.toolTip()


def test_export_plots_as_png_and_svg(qtbot, window, tmp_path):
    win = window()
    win.step_epoch()
    qtbot.waitUntil(lambda: win._last_snapshot.epoch == 1, timeout=5000)
    for name, _ in file_actions.PLOTS:
        assert win.export_plot(name, tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert win.export_plot("loss", tmp_path / "loss.svg")
    assert b"<svg" in (tmp_path / "loss.svg").read_bytes()[:2000]
    assert not win.export_plot("loss", tmp_path / "loss.gif")
    assert ".gif" in win.banner.text.text()


def test_history_export_before_any_epoch_explains(qtbot, window, tmp_path):
    win = window()
    assert not win.export_history(tmp_path / "h.csv")
    assert "epoch" in win.banner.text.text() and not (tmp_path / "h.csv").exists()


# --- failed writes lose nothing -------------------------------------------------------------------------

def test_failed_writes_say_why_and_lose_nothing(qtbot, window, tmp_path, monkeypatch, circles):
    path = tmp_path / "exp.json"
    save_experiment(circles(), path)
    before = path.read_bytes()
    win = window(load_experiment(path), path)
    win.set_learning_rate(0.5)
    win._refresh_modified()

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", refuse)
        assert not win.save_experiment()
        assert win.banner.isVisible() and "Permission denied" in win.banner.text.text()
        assert "Save as…" in win.banner.button_labels()
        assert path.read_bytes() == before  # the old file is intact
        assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.json"]  # no temporary left
        assert win.isWindowModified() and win.experiment_path == path
        assert not win.export_model(tmp_path / "m.npz") and not (tmp_path / "m.npz").exists()

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    win.set_learning_rate(0.5)
    assert not win.save_experiment_to(blocker / "exp.json")  # its folder is a file
    assert "a-file" in win.banner.text.text()
    assert win.isWindowModified() and win.experiment_path == path
    assert not win.export_model(blocker / "m.npz")
    assert "cannot write" in win.banner.text.text()
    assert not win.export_plot("loss", blocker / "loss.png")
    win.step_epoch()
    qtbot.waitUntil(lambda: bool(win.history.rows), timeout=5000)
    assert not win.export_history(blocker / "h.csv")
    assert "cannot write" in win.banner.text.text()
    # nothing lost: saving to a good place still works
    assert win.save_experiment_to(tmp_path / "elsewhere.json")
    assert not win.isWindowModified()
    assert load_experiment(tmp_path / "elsewhere.json").training.learning_rate == 0.5


# --- drag and drop ----------------------------------------------------------------------------------------

def drop(win: MainWindow, path: Path) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPointF(50, 50).toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(win, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(win, event)
    return event.isAccepted()


def test_drag_and_drop_of_experiment_model_csv_and_others(qtbot, window, tmp_path,
                                                         monkeypatch, circles):
    win = window()
    assert win.acceptDrops()
    exp_path = tmp_path / "dropped.json"
    other = circles(epochs=1)
    other.name = "Dropped"
    save_experiment(other, exp_path)
    assert drop(win, exp_path)
    assert win.experiment.name == "Dropped" and win.experiment_path == exp_path

    model_path = tmp_path / "m.npz"
    net = win.current_network()
    save_model(model_path, net, win.standardizer)
    win.designer_panel.add_layer()
    settle(qtbot, win)
    assert win.spec.sizes != net.spec.sizes
    assert drop(win, model_path)
    assert win.spec.sizes == net.spec.sizes

    csv_path = tmp_path / "points.csv"
    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [f"{x:.3f},{y:.3f},{'yes' if x * y > 0 else 'no'}"
                            for x, y in rng.uniform(-1, 1, size=(60, 2))]
    csv_path.write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(QDialog, "exec", lambda self: int(QDialog.DialogCode.Accepted.value))
    assert drop(win, csv_path)
    qtbot.waitUntil(lambda: win.experiment.data.source == "csv", timeout=3000)
    assert Path(win.experiment.data.path).name == "points.csv"
    assert win.spec.task == "binary" and win.spec.feature_names == ["a", "b"]

    odd = tmp_path / "notes.txt"
    odd.write_text("hello")
    assert drop(win, odd)
    assert "notes.txt" in win.banner.title.text() and ".npz" in win.banner.text.text()


# --- settings --------------------------------------------------------------------------------------------

def test_settings_persist_across_two_windows(qtbot, window, tmp_path, clean_settings):
    first = window(restore_layout=True)
    first.resize(760, 700)  # fits the off-screen platform's 800-pixel-wide screen
    first.designer_dock.raise_()
    first.data_dock.hide()
    path = tmp_path / "kept.json"
    assert first.save_experiment_to(path)
    settings.remember_folder("model", tmp_path / "models" / "x.npz")
    (tmp_path / "models").mkdir()
    size = first.size()
    assert first.close()

    second = window(restore_layout=True)
    assert second.size() == size
    assert second.data_dock.isHidden() and not second.designer_dock.isHidden()
    assert settings.recent_files()[0] == path.resolve()
    assert settings.last_folder("model") == tmp_path / "models"
    settings.remember_folder("history", tmp_path / "gone" / "h.csv")
    assert settings.last_folder("history", tmp_path) == tmp_path  # it no longer exists
    second.data_dock.show()


@pytest.fixture
def restore_theme():
    yield
    settings.set_theme("system")
    theme.apply_theme("system")


def test_theme_switch_and_its_persistence(qtbot, window, restore_theme):
    win = window()
    app = QApplication.instance()
    assert theme.resolve("system") == "light"  # the off-screen platform has no dark scheme
    assert win.set_theme("dark") == "dark"
    assert settings.theme() == "dark" and win.theme_actions["dark"].isChecked()
    assert app.palette().color(QPalette.ColorRole.Window) == QColor(style.DARK_COLORS["window"])
    assert style.DARK_COLORS["panel"] in app.styleSheet()
    # figures stay on light paper, panels' own style sheets turn dark
    loss = win.plots.loss
    assert loss.property(theme.PAPER_PROPERTY)
    assert style.LIGHT_COLORS["text"] in loss.styleSheet()
    tiles = [t for t in win.data_panel.tiles.values()]
    assert style.DARK_COLORS["text"] in tiles[0].styleSheet()

    exercises = win.open_exercises()  # drawn for light colors throughout: stays light
    if exercises is not None:
        qtbot.waitUntil(lambda: bool(exercises.property(theme.PAPER_PROPERTY)), timeout=3000)
        exercises.close()
    second = window()  # a new window follows the saved theme; its figures are paper
    assert second.plots.loss.property(theme.PAPER_PROPERTY)
    assert second.theme_actions["dark"].isChecked()

    assert win.set_theme("light") == "light"
    assert app.palette().color(QPalette.ColorRole.Window) == QColor(style.WINDOW_BG)
    assert not loss.property(theme.PAPER_PROPERTY)
    assert style.TEXT in tiles[0].styleSheet() and style.DARK_COLORS["text"] not in \
        tiles[0].styleSheet()
    assert win.set_theme("system") == "light"
    with pytest.raises(ValueError):
        settings.set_theme("purple")


def test_style_sheets_draw_arrows_and_disabled_buttons():
    for name in ("light", "dark"):
        sheet = style.style_sheet(name)
        for part in ("::up-button", "::down-button", "::up-arrow", "::down-arrow",
                     "QComboBox::drop-down", "QComboBox::down-arrow", "QPushButton:disabled"):
            assert part in sheet, (name, part)
        for line in sheet.splitlines():
            if "image: url(" in line:
                target = line.split('url("', 1)[1].split('")', 1)[0]
                assert Path(target).is_file(), target


# --- help: shortcuts, about; tooltips ------------------------------------------------------------------------

def test_shortcuts_dialog_lists_every_shortcut_once(qtbot, window):
    win = window()
    dialog = win.show_shortcuts()
    listed = {(s.keys, s.action) for s in dialog.shortcuts}
    for key in ("new", "open", "save", "save_as", "open_model", "export_model",
                "export_history", "quit"):
        action = win.file_actions[key]
        keys = action.shortcut().toString()
        assert keys and any(k == keys for k, _ in listed), key
    for action in win.findChildren(QAction):
        if not action.shortcut().isEmpty() and action.isVisible():
            assert any(action.shortcut().toString() == k for k, _ in listed), action.text()
    keys = [s.keys for s in dialog.shortcuts]
    assert len(keys) == len(set(keys)), "two actions share a shortcut"
    assert any(s.action == "Play" and s.keys == "Space" for s in dialog.shortcuts)
    assert dialog.table.rowCount() == len(dialog.shortcuts)
    dialog.close()


def test_about_dialog_versions_licenses_and_credits(qtbot, window):
    import numpy
    import pyqtgraph
    import PySide6

    from nnstudio import __version__

    win = window()
    dialog = win.show_about()
    text = dialog.about.toPlainText()
    for needle in (__version__, "MIT", "LGPL-3.0", PySide6.__version__, pyqtgraph.__version__,
                   numpy.__version__, "BSD-3-Clause"):
        assert needle in text, needle
    credits = dialog.credits.toPlainText()
    assert "Fisher" in credits and "Alpaydin" in credits and "CC BY 4.0" in credits
    assert "make_bundled" not in credits
    dialog.close()


def test_every_training_control_explains_itself(qtbot, window):
    from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSpinBox, QToolButton

    win = window()
    bar = win.training_bar
    controls = [w for kind in (QComboBox, QSpinBox, QCheckBox, QToolButton, QLabel)
                for w in bar.findChildren(kind)]
    assert len(controls) >= 14
    for widget in controls:
        if isinstance(widget, QLabel) and widget is not bar.epoch_label and not widget.buddy():
            continue  # e.g. the line edit inside a combo box
        if isinstance(widget, QToolButton) and widget.defaultAction() is None:
            continue  # the tool bar's own overflow button
        text = widget.toolTip()
        if isinstance(widget, QToolButton):
            text = text or widget.defaultAction().toolTip()
        assert text, f"{type(widget).__name__} {getattr(widget, 'text', lambda: '')()}"
    for i in range(bar.optimizer_combo.count()):
        assert bar.optimizer_combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
    win.designer_dock.raise_()
    row = win.designer_panel.rows[0]
    for i in range(row.activation.count()):
        assert row.activation.itemData(i, Qt.ItemDataRole.ToolTipRole), row.activation.itemText(i)
    init = win.designer_panel.init
    for i in range(init.count()):
        assert init.itemData(i, Qt.ItemDataRole.ToolTipRole), init.itemText(i)
    for key in ("lr_combo", "batch_combo", "l1_combo", "l2_combo", "optimizer_combo"):
        tip = getattr(bar, key).toolTip()
        assert tip and tip[0].isupper(), key
