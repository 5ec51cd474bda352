"""The main window's menus and their actions: presets, the perceptron exercises, training,
view and help (a mixin for :class:`MainWindow`; the File menu is in :mod:`file_actions`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from nnstudio.engine import experiment as experiment_api
from nnstudio.engine.errors import NNStudioError
from nnstudio.gui.file_actions import FileActions
from nnstudio.gui.presets import find_preset, list_presets


class WindowActions(FileActions):
    """Menus, presets, exercises and help (files: :class:`FileActions`). Expects the
    attributes MainWindow sets (``experiment``, ``experiment_path``, ``spec``, ``banner``,
    ``training_bar``, ...)."""

    _exercise_window: QWidget | None = None

    def _build_menus(self) -> None:
        menu = self.menuBar()
        self._build_file_menu(menu)

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
        view_menu.addSeparator()
        self._build_theme_menu(view_menu)

        help_menu = menu.addMenu("&Help")
        self._add(help_menu, "About this &experiment", self.show_lesson, QKeySequence("F1"))
        self._add(help_menu, "&Getting started", self.show_getting_started)
        self._add(help_menu, "&Keyboard shortcuts", self.show_shortcuts,
                  QKeySequence("Ctrl+/"))
        help_menu.addSeparator()
        self._add(help_menu, "&About nnstudio", self.show_about)

    def _add(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        return action

    # --- presets -------------------------------------------------------------------------------
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
        if not self.maybe_save("opening the preset"):
            return False
        ok = self.open_experiment(exp, None)
        self.mark_saved()
        self.raise_()
        self.activateWindow()
        return ok

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


GETTING_STARTED = """
<p><b>1. Pick data</b> in the <i>Data</i> panel (left): a built-in set, iris, digits or your
own CSV file.</p>
<p><b>2. Design the network</b> in the <i>Network</i> tab next to it: add hidden layers, choose
units and activations. The picture in the middle updates at once.</p>
<p><b>3. Press Play</b> (or Space). Watch the loss fall, the decision boundary form, and — in
the <i>Gradients</i> plot — how strongly each layer learns.</p>
<p>Click a connection or a bias in the network to type a new value, also while training.
The <i>Presets</i> menu holds ready-made lessons, e.g. vanishing gradients.</p>
"""
