"""Runs for the comparison view: the window's own runs recorded as they train, and lists of
experiments trained one after another, headless, in a background thread.

:class:`RunRecorder` turns the worker's snapshots into :class:`engine.runs.RunRecord` s in
a :class:`RunStore`: a run starts with the first training step after a reset or a new
network and is "running" while training, "stopped" when paused, "finished" when the
epoch limit is reached and "diverged" when the loss blew up. :class:`BatchRunner` trains
experiments with :func:`engine.runs.record_training` in its own QThread (never on the GUI
thread) and hands each finished record back; :class:`BatchProgress` shows how far it is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.runs import RunRecord, RunStore, record_training
from nnstudio.gui import dialogs, qtfix
from nnstudio.gui.snapshot import Snapshot

qtfix.install()

PROGRESS_INTERVAL = 0.1  # seconds between progress signals of a background run
FLUSH_INTERVAL = 0.25  # while training, the live run's record is extended this often


class RunRecorder:
    """Records the runs of one main window into ``store`` (all on the GUI thread)."""

    def __init__(self, store: RunStore, experiment: Callable[[], Any]) -> None:
        self.store = store
        self._experiment = experiment  # the experiment as shown, with its training settings
        self.current: RunRecord | None = None
        self._generation: int | None = None
        self._limit: int | None = None  # the epoch limit just reached (the run finished)
        # samples not yet in the record: (steps, losses, grads, epoch rows) per snapshot
        self._pending: list[tuple[Any, Any, Any, list]] = []
        self._flushed_at = 0.0

    def on_snapshot(self, snap: Snapshot) -> None:
        """Feed every snapshot of the current generation (in order)."""
        if snap.generation != self._generation:  # a reset or a new network
            self.close("stopped")
            self._generation = snap.generation
            self._limit = None
        trained = len(snap.steps) > 0 or bool(snap.epochs)
        if self.current is None:
            if not trained:
                return
            exp = self._experiment()
            self.current = RunRecord.start(exp, name=self.store.unique_name(exp.name or "Run"))
            self.store.add(self.current)
        record = self.current
        if trained:
            self._pending.append((snap.steps, snap.losses, snap.grads, snap.epochs))
        before = (record.revision, record.status, record.message)
        now = time.perf_counter()
        if not snap.running or now - self._flushed_at >= FLUSH_INTERVAL:
            self.flush()
            self._flushed_at = now
        if snap.diverged:
            record.finish("diverged", snap.diverged)
        elif snap.running:
            if record.status != "running" or record.message:
                record.status, record.message = "running", ""
                record.revision += 1
            self._limit = None
        elif self._limit is not None and snap.epoch >= self._limit:
            record.finish("finished")
        elif record.status == "running":
            record.finish("stopped")
        if (record.revision, record.status, record.message) != before:
            self.store.touch()  # (views that poll the store redraw only after a change)

    def flush(self) -> None:
        """Move the samples received so far into the current record."""
        pending, self._pending = self._pending, []
        record = self.current
        if record is None or not pending:
            return
        rows = [row for p in pending for row in p[3]]
        sampled = [p for p in pending if len(p[0])]
        if not sampled:
            record.extend(epochs=rows)
            return
        steps = np.concatenate([np.asarray(p[0]) for p in sampled])
        losses = np.concatenate([np.asarray(p[1]) for p in sampled])
        grads = [np.asarray(p[2]) for p in sampled]
        whole = all(g.ndim == 2 and len(g) == len(p[0]) for g, p in zip(grads, sampled))
        record.extend(steps, losses, np.vstack(grads) if whole else None, rows)

    def on_limit_reached(self, epochs: int) -> None:
        """The epoch limit was reached: the run is finished (until trained on). The signal
        may come before the run's last snapshot."""
        self._limit = int(epochs)
        self.flush()
        record = self.current
        if record is not None and record.status != "diverged" and record.epochs_done >= epochs:
            record.finish("finished")
            self.store.touch()

    def close(self, status: str = "stopped") -> None:
        """The run ends (a reset, a new network, the window closes)."""
        self.flush()
        record, self.current = self.current, None
        if record is not None and record.status == "running":
            record.finish(status)
            self.store.touch()

    def branch(self, epoch: int) -> RunRecord | None:
        """A new, empty record for the current run's experiment, continued from ``epoch``
        (a timeline resume); the current run is closed as "stopped". None if nothing was
        recorded."""
        old = self.current
        self.close("stopped")
        if old is None:
            return None
        return RunRecord.start(old.experiment, name=self.store.unique_name(
            f"{old.name} from epoch {epoch}"))

    def adopt(self, record: RunRecord, generation: int) -> None:
        """Continue recording into ``record`` (added to the store) from ``generation`` on."""
        record.finish("stopped")
        self.store.add(record)
        self.current = record
        self._generation = generation


# --- kept runs that are not saved -----------------------------------------------------------

SAVE, DISCARD, CANCEL = dialogs.SAVE, dialogs.DISCARD, dialogs.CANCEL


def ask_save_runs(parent: QWidget, count: int, before: str = "closing") -> str:
    """Ask whether to save ``count`` unsaved kept runs before ``before`` ("closing"):
    returns "save", "discard" or "cancel"."""
    runs = "1 kept run is" if count == 1 else f"{count} kept runs are"
    return dialogs.ask_save_discard_cancel(
        parent, "Unsaved runs", f"{runs} not saved. Save the runs before {before}?",
        "The runs in Compare runs (their loss, accuracy and gradient curves and experiments) "
        "are lost if you don't save them.", save_text="Save runs…")


def ask_runs_path(parent: QWidget, folder: str | Path) -> str:
    """The file to save runs to ("" if the dialog was cancelled)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save runs", str(Path(folder) / "runs.json"),
                                          "nnstudio runs (*.json)")
    return path


# --- training lists of experiments in the background ----------------------------------------

class BatchRunner(QObject):
    """Trains experiments one after another in its own thread (see the module docs)."""

    started = Signal(int, int, str)  # index, count, run name
    progress = Signal(int, int)  # epochs done, epochs in all (of the current run)
    run_done = Signal(object)  # RunRecord (the runner no longer touches it)
    failed = Signal(str)  # one experiment could not be trained (the others go on)
    idle = Signal()  # the list is done (or was stopped)
    _run = Signal(list, object, int)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._cancelled_below = 0  # lists queued before the last stop() are dropped
        self._next_id = 0
        self._thread = QThread()
        self._thread.setObjectName("nnstudio-runs")
        self.moveToThread(self._thread)
        self._run.connect(self._train_all)
        self._busy = 0  # lists queued or running (GUI thread only)

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def train(self, experiments: list[Any], base_dir: str | Path | None = None) -> None:
        """Queue ``experiments`` (trained after any list already queued)."""
        if not experiments:
            return
        if not self._thread.isRunning():
            self._thread.start()  # on first use: most windows never compare runs
        self._busy += 1
        with self._lock:
            self._next_id += 1
            list_id = self._next_id
        self._run.emit(list(experiments), base_dir, list_id)

    def stop(self) -> None:
        """Stop the run in progress and drop the queued lists."""
        with self._lock:
            self._cancelled_below = self._next_id + 1

    def _cancelled(self, list_id: int) -> bool:
        with self._lock:
            return list_id < self._cancelled_below

    def list_done(self) -> None:
        """Called (GUI thread) when ``idle`` arrives."""
        self._busy = max(0, self._busy - 1)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop training and join the thread (idempotent)."""
        self.stop()
        if not self._thread.isRunning():
            return True
        self._thread.quit()
        return bool(self._thread.wait(timeout_ms))

    @Slot(list, object, int)
    def _train_all(self, experiments: list[Any], base_dir: Any, list_id: int) -> None:
        count = len(experiments)

        def should_stop() -> bool:
            return self._cancelled(list_id)

        for index, exp in enumerate(experiments):
            if should_stop():
                break
            name = getattr(exp, "name", "") or f"Run {index + 1}"
            total = int(getattr(getattr(exp, "training", None), "epochs", 0) or 0)
            self.started.emit(index, count, name)
            last = [0.0]

            def on_epoch(record: RunRecord, total: int = total, last: list = last) -> None:
                now = time.perf_counter()
                if now - last[0] >= PROGRESS_INTERVAL:
                    last[0] = now
                    self.progress.emit(record.epochs_done, total)

            try:
                record = record_training(exp, name=name, base_dir=base_dir,
                                         should_stop=should_stop, on_epoch=on_epoch)
            except (NNStudioError, OSError) as exc:
                self.failed.emit(f"{name}: {exc}")
                continue
            except Exception as exc:  # never let one bad run end the thread  # noqa: BLE001
                self.failed.emit(f"{name}: training failed ({type(exc).__name__}: {exc})")
                continue
            self.progress.emit(record.epochs_done, total)
            self.run_done.emit(record)
        self.idle.emit()


class BatchProgress(QWidget):
    """One line: which background run trains, how far, and a Stop button."""

    def __init__(self, runner: BatchRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.label = QLabel()
        self.label.setObjectName("muted")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop training the comparison runs (finished runs stay).")
        # a plain call on this thread: a slot of the runner would wait for its busy thread
        self.stop_button.clicked.connect(lambda: runner.stop())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.stop_button)
        runner.started.connect(self._on_started)
        runner.progress.connect(self._on_progress)
        self.hide()

    def _on_started(self, index: int, count: int, name: str) -> None:
        self.label.setText(f"Training in the background, run {index + 1} of {count}: {name}")
        self.bar.setRange(0, 0)
        self.show()

    def _on_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.bar.setFormat(f"epoch {done} / {total}")
