"""GUI test set-up: a window with unsaved changes never opens a modal question during tests,
and the main-window fixtures the window tests share.

Closing a modified main window asks "Save the changes?" (a modal QMessageBox, which nobody
answers off-screen). Every GUI test answers "Don't save" unless it replaces this answer;
``unsaved_prompts`` lists the questions asked.

``circles`` makes the small circles experiment the window tests train; ``window`` opens
main windows at 1280x800 and, after the test, closes them and checks that no training
thread outlives its window. A test module may define its own ``window`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nnstudio.engine.experiment import DataConfig, Experiment
from nnstudio.engine.network import LayerSpec
from nnstudio.engine.training import TrainConfig
from nnstudio.gui import dialogs, teaching_runs
from nnstudio.gui.app import ensure_app
from nnstudio.gui.main_window import MainWindow


@pytest.fixture(autouse=True)
def unsaved_prompts():
    asked: list[tuple[str, str]] = []

    def answer(parent, name: str, before: str = "closing") -> str:
        asked.append((name, before))
        return dialogs.DISCARD

    # set by hand, not with monkeypatch: a test's monkeypatch.undo() must not bring the
    # modal question back while pytest-qt closes the test's windows
    original = dialogs.ask_unsaved_changes
    dialogs.ask_unsaved_changes = answer
    # kept runs not saved: answered "Don't save" too (listed as ("kept runs", before))
    original_runs = teaching_runs.ask_save_runs

    def answer_runs(parent, count: int, before: str = "closing") -> str:
        asked.append(("kept runs", before))
        return teaching_runs.DISCARD

    teaching_runs.ask_save_runs = answer_runs
    yield asked
    dialogs.ask_unsaved_changes = original
    teaching_runs.ask_save_runs = original_runs


def circles_experiment(epochs: int = 100_000, **training) -> Experiment:
    """Circles (200 samples) through two small tanh layers, SGD; ``training`` overrides."""
    options = dict(optimizer="sgd", learning_rate=0.1, batch_size=16, epochs=epochs, seed=0)
    options.update(training)
    return Experiment(
        name="Small circles",
        description="A small test network.",
        data=DataConfig(source="builtin", name="circles", samples=200, noise=0.1, seed=0),
        hidden=[LayerSpec(4, "tanh"), LayerSpec(3, "tanh")],
        training=TrainConfig(**options),
    )


@pytest.fixture
def circles() -> Callable[..., Experiment]:
    """:func:`circles_experiment`, e.g. ``circles(epochs=3, learning_rate=0.3)``."""
    return circles_experiment


@pytest.fixture
def window(qtbot):
    """``window(exp=None, path=None, restore_layout=False)`` opens a main window (default
    experiment: :func:`circles_experiment`; 1280x800 unless the saved layout is restored)
    and waits for its first drawn snapshot."""
    ensure_app()
    opened: list[MainWindow] = []

    def _open(exp: Experiment | None = None, path: Path | None = None,
              restore_layout: bool = False) -> MainWindow:
        win = MainWindow(exp or circles_experiment(), experiment_path=path,
                         restore_layout=restore_layout)
        qtbot.addWidget(win)
        if not restore_layout:
            win.resize(1280, 800)
        win.show()
        qtbot.waitUntil(lambda: win.snapshots_drawn >= 1, timeout=5000)
        opened.append(win)
        return win

    yield _open
    for win in opened:
        win.close()
        assert win.worker is None or not win._thread.thread.isRunning()
        assert not win.teaching.runner._thread.isRunning()
