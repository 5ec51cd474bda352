"""The main window's menus and their actions: presets, experiment and model files,
the perceptron exercises and help (a mixin for :class:`MainWindow`)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from nnstudio.engine import experiment as experiment_api
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.network import Network
from nnstudio.gui.presets import find_preset, list_presets

EXPERIMENT_FILTER = "Experiments (*.json *.toml);;All files (*)"
MODEL_FILTER = "nnstudio models (*.npz)"


class WindowActions:
    """Menus, files, presets, exercises and help. Expects the attributes MainWindow sets
    (``experiment``, ``experiment_path``, ``spec``, ``banner``, ``training_bar``, ...)."""

    _exercise_window: QWidget | None = None

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self._add(file_menu, "&New experiment", self.new_experiment, QKeySequence.StandardKey.New)
        self._add(file_menu, "&Open experiment…", self.open_experiment_dialog,
                  QKeySequence.StandardKey.Open)
        self._add(file_menu, "&Save experiment", self.save_experiment,
                  QKeySequence.StandardKey.Save)
        self._add(file_menu, "Save experiment &As…", self.save_experiment_as,
                  QKeySequence("Ctrl+Shift+S"))
        file_menu.addSeparator()
        self._add(file_menu, "&Export model…", self.export_model_dialog, QKeySequence("Ctrl+E"))
        file_menu.addSeparator()
        self._add(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        self.presets_menu = menu.addMenu("&Presets")
        for preset in list_presets():
            action = self.presets_menu.addAction(preset.name)
            action.setToolTip(preset.description)
            action.setStatusTip(preset.description[:160])
            action.triggered.connect(lambda _=False, key=preset.stem: self.load_preset(key))
        self.presets_menu.setToolTipsVisible(True)
        if not self.presets_menu.actions():
            self.presets_menu.addAction("(no presets found)").setEnabled(False)

        exercises_menu = menu.addMenu("E&xercises")
        action = self._add(exercises_menu, "&Perceptron exercises…", self.open_exercises,
                           QKeySequence("Ctrl+Shift+E"))
        try:
            import nnstudio.gui.exercises  # noqa: F401
        except ImportError:
            action.setEnabled(False)
            action.setText("Perceptron exercises (not installed)")

        train_menu = menu.addMenu("&Training")
        bar = self.training_bar
        for action in (bar.play_action, bar.step_action, bar.epoch_action):
            train_menu.addAction(action)
        train_menu.addSeparator()
        train_menu.addAction(bar.reset_action)
        self._add(train_menu, "Reset with &new random weights",
                  lambda: self.reset_training(new_seed=True))

        view_menu = menu.addMenu("&View")
        view_menu.addAction(self.data_dock.toggleViewAction())
        view_menu.addAction(self.designer_dock.toggleViewAction())
        view_menu.addSeparator()
        self._add(view_menu, "&Fit the network view", self.network_view.fit,
                  QKeySequence("Ctrl+0"))

        help_menu = menu.addMenu("&Help")
        self._add(help_menu, "About this &experiment", self.show_lesson, QKeySequence("F1"))
        self._add(help_menu, "&Getting started", self.show_getting_started)
        self._add(help_menu, "&About nnstudio", self.show_about)

    def _add(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        return action

    # --- files ---------------------------------------------------------------------------------
    def load_preset(self, key: str) -> bool:
        """Open a bundled preset by file stem, file name or experiment name."""
        preset = find_preset(key)
        if preset is None:
            self.banner.show_message("Preset not found", f"There is no preset called {key!r}.",
                                     kind="error")
            return False
        try:
            exp = experiment_api.load_experiment(preset.path)
        except (NNStudioError, OSError) as exc:
            self.banner.show_message("Cannot open the preset", str(exc), kind="error")
            return False
        ok = self.open_experiment(exp, None)
        self.raise_()
        self.activateWindow()
        return ok

    def new_experiment(self) -> None:
        self.open_experiment(experiment_api.default_experiment(), None)

    def open_experiment_dialog(self) -> None:
        start = str(self._base_dir() or Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open experiment", start, EXPERIMENT_FILTER)
        if path:
            self.open_experiment_file(path)

    def open_experiment_file(self, path: str | Path) -> bool:
        try:
            exp = experiment_api.load_experiment(path)
        except (NNStudioError, OSError) as exc:
            self.banner.show_message("Cannot open the experiment", str(exc), kind="error")
            return False
        return self.open_experiment(exp, path)

    def save_experiment(self) -> bool:
        if self.experiment_path is None:
            return self.save_experiment_as()
        return self.save_experiment_to(self.experiment_path)

    def save_experiment_as(self) -> bool:
        start = str(self.experiment_path or (Path.home() / "experiment.json"))
        path, _ = QFileDialog.getSaveFileName(self, "Save experiment as", start,
                                              EXPERIMENT_FILTER)
        return self.save_experiment_to(path) if path else False

    def save_experiment_to(self, path: str | Path) -> bool:
        path = Path(path)
        if path.suffix.lower() not in (".json", ".toml"):
            path = path.with_suffix(".json")
        try:
            experiment_api.save_experiment(self.current_experiment(), path)
        except (NNStudioError, OSError) as exc:
            self.banner.show_message("Cannot save the experiment", str(exc), kind="error")
            return False
        self.experiment_path = path
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def export_model_dialog(self) -> None:
        start = str((self._base_dir() or Path.home()) / "model.npz")
        path, _ = QFileDialog.getSaveFileName(self, "Export model", start, MODEL_FILTER)
        if path:
            self.export_model(path)

    def export_model(self, path: str | Path) -> bool:
        """Write the current weights (as of the latest snapshot) to a model file."""
        from nnstudio.engine.modelfile import save_model

        if self.spec is None or self._latest_weights is None:
            return False
        path = Path(path)
        if path.suffix.lower() != ".npz":
            path = path.with_suffix(".npz")
        try:
            network = Network(self.spec.copy(), seed=0)
            network.set_weights(self._latest_weights)
            save_model(path, network, self.standardizer)
        except (NNStudioError, OSError) as exc:
            self.banner.show_message("Cannot export the model", str(exc), kind="error")
            return False
        self.statusBar().showMessage(f"Exported the model to {path}", 5000)
        return True

    # --- exercises and help ------------------------------------------------------------------------
    def open_exercises(self) -> QWidget | None:
        try:
            from nnstudio.gui.exercises import ExerciseWindow
        except ImportError:
            return None
        if self._exercise_window is None:
            window = ExerciseWindow(self)
            window.setWindowFlag(Qt.WindowType.Window, True)
            window.open_preset_requested.connect(self.load_preset)
            self._exercise_window = window
        self._exercise_window.show()
        self._exercise_window.raise_()
        return self._exercise_window

    def show_lesson(self) -> None:
        if self.experiment.description:
            self.lesson.set_lesson(self.experiment.name, self.experiment.description)
        else:
            self.show_getting_started()

    def show_getting_started(self) -> None:
        QMessageBox.information(self, "Getting started", GETTING_STARTED)

    def show_about(self) -> None:
        from nnstudio import __version__

        QMessageBox.about(self, "About nnstudio",
                          f"<h3>nnstudio {html.escape(__version__)}</h3>"
                          "<p>A desktop laboratory for neural networks: design a network, "
                          "train it and watch it learn — its loss, every layer's "
                          "activations and gradients.</p>")


GETTING_STARTED = """
<p><b>1. Pick data</b> in the <i>Data</i> panel (left): a built-in set, iris, digits or your
own CSV file.</p>
<p><b>2. Design the network</b> in the <i>Network</i> panel (right): add hidden layers, choose
units and activations. The picture in the middle updates at once.</p>
<p><b>3. Press Play</b> (or Space). Watch the loss fall, the decision boundary form, and — in
the <i>Gradients</i> plot — how strongly each layer learns.</p>
<p>Click a connection or a bias in the network to type a new value, also while training.
The <i>Presets</i> menu holds ready-made lessons, e.g. vanishing gradients.</p>
"""
