"""The main window: data and network panels, the network view, live plots and the
training controls, wired to a :class:`TrainingWorker` that trains in its own thread.

The window never trains and never touches the worker's network: user actions become
worker commands; the worker's snapshots (copies) update the views. Designer and data edits
build a new session (data, network, trainer) here and hand it to the worker.
"""

from __future__ import annotations

import copy
import math
import time
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QByteArray, QEventLoop, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.gui import qtfix
from nnstudio.gui import settings as user_settings

qtfix.install()

from nnstudio.engine import experiment as experiment_api  # noqa: E402
from nnstudio.engine.errors import NNStudioError  # noqa: E402
from nnstudio.gui.banner import LessonCard, MessageBanner  # noqa: E402
from nnstudio.gui.data_panel import DataPanel  # noqa: E402
from nnstudio.gui.designer_panel import DesignerPanel  # noqa: E402
from nnstudio.gui.network_view import NetworkView  # noqa: E402
from nnstudio.gui.plots_common import Throttle  # noqa: E402
from nnstudio.gui.plots_panel import PlotsPanel  # noqa: E402
from nnstudio.gui.session import Session, build_session, input_images  # noqa: E402
from nnstudio.gui.snapshot import Snapshot, merge_snapshots  # noqa: E402
from nnstudio.gui.teaching import Teaching  # noqa: E402
from nnstudio.gui.training_bar import TrainingBar, format_rate  # noqa: E402
from nnstudio.gui.window_actions import WindowActions  # noqa: E402
from nnstudio.gui.worker import TrainingThread  # noqa: E402

REBUILD_DELAY_MS = 150  # designer/data edits are applied after this pause in typing


def _fmt_loss(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.4f}" if 1e-3 <= value < 1e4 else f"{value:.3g}"


def _fmt_acc(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{100 * value:.1f} %"


class MainWindow(WindowActions, QMainWindow):
    """nnstudio's main window for one experiment at a time."""

    #: passes over Qt's posted events (layout, scene updates, paints) per drawn view
    paint_passes = 2
    #: while training, one frame draws one group of views: the network and output views
    #: (when the snapshot brings new pictures, <= 10 a second) or the next of these groups
    #: of history plots (by class name; plots not named join the last group)
    history_groups: tuple[tuple[str, ...], ...] = (("LossPlot",),
                                                   ("GradientPlot", "ActivationPlot"))
    #: ... and every group draws at least this often (seconds)
    history_max_wait = 1.0
    #: a session (data, network, trainer) was given to the worker; GUI-side listeners
    #: may read its experiment, prepared data and context, never its network or trainer
    session_installed = Signal(object)

    def __init__(self, experiment: Any = None, experiment_path: str | Path | None = None,
                 restore_layout: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.experiment = copy.deepcopy(experiment) if experiment is not None \
            else experiment_api.default_experiment()
        self.experiment_path: Path | None = Path(experiment_path) if experiment_path else None
        self.startup_error: str | None = None
        self.session_context = None
        self.spec = None
        self.standardizer = None
        self._generation = 0
        self._thread: TrainingThread | None = None
        self._running = False
        self._last_snapshot: Snapshot | None = None
        self._latest_weights: list | None = None
        self._batch_loss: float | None = None  # the latest mini-batch loss (status bar)
        #: a loaded model's weights, which Reset restores (None: Reset re-initializes)
        self._reset_weights: list | None = None
        self._exercise_window: QWidget | None = None
        self.snapshots_drawn = 0  # how many snapshots were drawn (benchmarks read this)
        self._drawn_running = False  # whether the last drawn snapshot was taken while training
        self.draw_seconds = 0.0  # GUI time spent drawing them
        self.part_seconds: dict[str, float] = {}  # ... per view (network, each plot)
        self.part_counts: dict[str, int] = {}  # ... how often each view was updated
        self.snapshots_with_views = 0  # drawn snapshots that updated at least one view
        self._last_pictures: tuple | None = None  # (generation, latest output pictures)
        self.last_diverged_message: str | None = None
        self._limit_reached: int | None = None

        self._build_widgets()
        self._build_menus()
        #: True while the network and output views show something else than the live
        #: network (a timeline moment, a blank painting canvas): snapshots skip them
        self.live_view_frozen = False
        self.prepared = None  # the session's PreparedData (read-only on this side)
        self.teaching = Teaching(self)  # lessons, inspector, runs, timeline, histograms, ...
        # the teaching tools take each snapshot inside the window's frame (see _on_snapshot)
        self.teaching.fed_by_window = True
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(REBUILD_DELAY_MS)
        self._rebuild_timer.timeout.connect(self.rebuild_from_panels)
        self._frames: deque[tuple[Snapshot, list]] = deque()  # snapshots being drawn
        #: per history group: the snapshots it has not drawn yet (merged), when it last drew
        self._history_pending: list[Snapshot | None] = [None] * len(self.history_groups)
        self._history_drawn_at = [0.0] * len(self.history_groups)
        self._status_throttle = Throttle(self)
        self._part_timer = QTimer(self)
        self._part_timer.setSingleShot(True)
        self._part_timer.setInterval(0)
        self._part_timer.timeout.connect(self._draw_next_part)
        self.resize(1280, 800)
        if restore_layout:
            self._restore_layout()
        self.open_experiment(self.experiment, self.experiment_path)
        if self._thread is None and self.startup_error is None:
            self.startup_error = "the experiment could not be prepared"
        self._init_files()  # file_actions: saved state, recent files, drops, theme

    # --- construction -------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.training_bar = TrainingBar(self)
        self.training_bar.set_speed_limit(user_settings.speed_limit())  # a GUI preference
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.training_bar)

        self.banner = MessageBanner()
        self.lesson = LessonCard()
        self.network_view = NetworkView()
        self.plots = PlotsPanel()
        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(6, 6, 6, 0)
        box.setSpacing(6)
        box.addWidget(self.banner)
        box.addWidget(self.lesson)
        self.output_view = self.plots.output_view  # the panel lets the window place it
        self.top_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.top_splitter.setChildrenCollapsible(False)
        self.top_splitter.addWidget(self._card(self.network_view))
        self.top_splitter.addWidget(self._card(self.output_view))
        self.top_splitter.setStretchFactor(0, 3)
        self.top_splitter.setStretchFactor(1, 2)
        self.top_splitter.setSizes([560, 380])
        self.centre_splitter = QSplitter(Qt.Orientation.Vertical)
        self.centre_splitter.setChildrenCollapsible(False)
        self.centre_splitter.addWidget(self.top_splitter)
        self.centre_splitter.addWidget(self.plots)
        self.centre_splitter.setStretchFactor(0, 1)
        self.centre_splitter.setStretchFactor(1, 1)
        self.centre_splitter.setSizes([300, 380])
        box.addWidget(self.centre_splitter, 1)
        self.setCentralWidget(central)

        self.data_panel = DataPanel()
        self.designer_panel = DesignerPanel()
        self.data_dock = self._dock("Data", "dataDock", self.data_panel,
                                    Qt.DockWidgetArea.LeftDockWidgetArea)
        self.designer_dock = self._dock("Network", "designerDock", self.designer_panel,
                                        Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabifyDockWidget(self.data_dock, self.designer_dock)
        self.setTabPosition(Qt.DockWidgetArea.LeftDockWidgetArea,
                            QTabWidget.TabPosition.North)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        self.data_dock.raise_()
        self.resizeDocks([self.data_dock], [330], Qt.Orientation.Horizontal)

        self._status_epoch = QLabel()
        self._status_speed = QLabel()
        self._status_loss = QLabel()
        self._status_acc = QLabel()
        self._status_arch = QLabel()
        self._status_arch.setObjectName("muted")
        bar = self.statusBar()
        for label in (self._status_epoch, self._status_speed, self._status_loss,
                      self._status_acc):
            bar.addWidget(label)
        bar.addPermanentWidget(self._status_arch)
        self._show_status(None)

        tb = self.training_bar
        tb.play_toggled.connect(self._on_play_toggled)
        tb.step_batch_requested.connect(self.step_batch)
        tb.step_epoch_requested.connect(self.step_epoch)
        tb.reset_requested.connect(self.reset_training)
        tb.learning_rate_changed.connect(self.set_learning_rate)
        tb.optimizer_changed.connect(self._on_optimizer)
        tb.batch_size_changed.connect(self._on_batch_size)
        tb.regularization_changed.connect(self._on_regularization)
        tb.stop_after_changed.connect(self._on_stop_after)
        tb.speed_limit_changed.connect(self.set_speed_limit)
        self.data_panel.changed.connect(self._schedule_rebuild)
        self.designer_panel.changed.connect(self._schedule_rebuild)
        self.network_view.weight_edit_requested.connect(self.edit_weight)
        self.network_view.bias_edit_requested.connect(self.edit_bias)
        show_test = getattr(self.data_panel, "show_test_changed", None)
        if show_test is not None:
            show_test.connect(self._on_show_test)

    @staticmethod
    def _card(widget: QWidget) -> QWidget:
        frame = QWidget()
        frame.setObjectName("card")  # styled by style.py's QWidget#card (follows the theme)
        lay = QVBoxLayout(frame)
        lay.setContentsMargins(1, 1, 1, 1)
        lay.addWidget(widget)
        return frame

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) \
            -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        dock.setWidget(widget)  # the panels scroll by themselves
        dock.setTitleBarWidget(QWidget())  # the dock tabs name the panels
        self.addDockWidget(area, dock)
        return dock

    # --- experiments and sessions ---------------------------------------------------------------
    def open_experiment(self, exp: Any, path: str | Path | None = None,
                        **session_options: Any) -> bool:
        """Show ``exp`` in every panel and train it from now on. False (and a banner) if its
        data cannot be prepared; the previous session then stays. ``session_options`` go to
        :func:`build_session` (a model file's ``standardizer`` and ``weights``)."""
        exp = copy.deepcopy(exp)
        self.data_panel.set_data_config(copy.deepcopy(exp.data))
        self.designer_panel.set_experiment(exp)
        self.training_bar.set_config(exp.training)
        self.lesson.set_lesson(exp.name, exp.description)
        self.experiment = exp
        self.experiment_path = Path(path) if path else None
        self._update_title()
        return self._install(exp, **session_options)

    def _base_dir(self) -> Path | None:
        return self.experiment_path.parent if self.experiment_path else None

    def _install(self, exp: Any, **session_options: Any) -> bool:
        """Build a session for ``exp`` and give it to the worker (pausing training)."""
        self._rebuild_timer.stop()
        try:
            session = build_session(exp, base_dir=self._base_dir(),
                                    show_test=self._show_test(), **session_options)
        except (NNStudioError, OSError) as exc:
            message = str(exc)
            if self._thread is None:
                self.startup_error = message
            self.banner.show_message("These settings cannot be used", message, kind="error")
            return False
        self.experiment = session.experiment
        self._generation += 1
        self.session_context = session.context
        self.spec = session.network.spec
        self.standardizer = session.prepared.standardizer
        self.prepared = session.prepared
        self._latest_weights = session.network.get_weights()
        weights = session_options.get("weights")
        self._reset_weights = None if weights is None else \
            [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in weights]
        self.training_bar.set_reset_model(None if weights is None else "the loaded model")
        self._last_snapshot = None
        self._history_pending = [None] * len(self.history_groups)
        self.last_diverged_message = None
        self.banner.dismiss()
        prepared = session.prepared
        self.designer_panel.set_io(session.network.spec.inputs, session.task,
                                   session.n_classes, prepared.n_targets)
        self.plots.reset(session.context)
        self.network_view.set_network(self.spec, self._latest_weights)
        self.network_view.update_input_images(input_images(session))
        n, p = self.spec.n_neurons, self.spec.n_params
        self._status_arch.setText(
            f"{'-'.join(str(s) for s in self.spec.sizes)}  ·  {n:,} neuron{'s' if n != 1 else ''}"
            f"  ·  {p:,} parameter{'s' if p != 1 else ''}")
        self._show_status(None)
        self.training_bar.set_epoch(0)
        self.startup_error = None
        self._give_to_worker(session)
        self.worker.set_stop_after(self.training_bar.stop_after())
        self.session_installed.emit(session)
        return True

    def _give_to_worker(self, session: Session) -> None:
        if self._thread is None:
            self._thread = TrainingThread(session, self._generation, parent=self)
            worker = self._thread.worker
            worker.snapshot.connect(self._on_snapshot)
            worker.running_changed.connect(self._on_running_changed)
            worker.diverged.connect(self._on_diverged)
            worker.limit_reached.connect(self._on_limit_reached)
            worker.error.connect(self._on_worker_error)
            worker.set_speed_limit(self.training_bar.speed_limit())
            self._thread.start()
        else:
            self._thread.worker.replace(session, self._generation)

    def set_speed_limit(self, limit: float | None) -> None:
        """Train at most ``limit`` steps a second (None: full speed); remembered in the
        user's settings (not in the experiment)."""
        self.training_bar.set_speed_limit(limit)
        user_settings.set_speed_limit(self.training_bar.speed_limit())
        if self.worker is not None:
            self.worker.set_speed_limit(self.training_bar.speed_limit())

    def _schedule_rebuild(self) -> None:
        self._rebuild_timer.start()

    def rebuild_from_panels(self) -> bool:
        """Apply the data and designer panels' settings: a new network, training paused."""
        self.statusBar().clearMessage()  # (it may describe the network this one replaces)
        exp = copy.deepcopy(self.experiment)
        exp.data = self.data_panel.data_config()
        if not self.designer_panel.apply_to(exp):
            return False  # the designer shows why
        old = self.experiment.data
        if (exp.data.source, exp.data.name, exp.data.path) != (old.source, old.name, old.path):
            # another data set: the experiment's name and lesson no longer describe it
            exp.name, exp.description = "Untitled", ""
        if not self._install(exp):
            return False
        if not exp.description:
            self.lesson.hide()
        self._update_title()
        return True

    def current_experiment(self) -> Any:
        """The experiment as shown (data, design and the training settings in use)."""
        return copy.deepcopy(self.experiment)

    def _show_test(self) -> bool:
        getter = getattr(self.data_panel, "show_test_points", None)
        return bool(getter()) if callable(getter) else True

    def _on_show_test(self, show: bool) -> None:
        if self.session_context is not None:
            self.session_context.show_test = bool(show)
            setter = getattr(self.plots, "set_show_test", None)
            if callable(setter):
                setter(bool(show))

    # --- training commands ----------------------------------------------------------------------
    @property
    def worker(self):
        return None if self._thread is None else self._thread.worker

    @property
    def running(self) -> bool:
        return self._running

    def play(self) -> None:
        if self.worker is not None:
            self.worker.play()

    def pause(self) -> None:
        if self.worker is not None:
            self.worker.pause()

    def toggle_play(self) -> None:
        if self._running:
            self.pause()
        else:
            self.play()

    def _on_play_toggled(self, checked: bool) -> None:
        if self.worker is None:
            self.training_bar.set_running(False)
            return
        self.play() if checked else self.pause()

    def step_batch(self) -> None:
        if self.worker is not None:
            self.worker.step_batch()

    def step_epoch(self) -> None:
        if self.worker is not None:
            self.worker.step_epoch()

    def reset_training(self, new_seed: bool = False) -> None:
        """Start over, plots cleared: a loaded model's weights again (see
        :meth:`reset_restores_model`), else the initial weights again (or, with
        ``new_seed``, new random ones)."""
        if self.worker is None or self.session_context is None:
            return
        self._generation += 1
        seed = None
        if new_seed:
            seed = int(time.time_ns() % 2**31)
        self.banner.dismiss()
        self.last_diverged_message = None
        self._last_snapshot = None
        self._history_pending = [None] * len(self.history_groups)
        self.plots.reset(self.session_context)
        self._show_status(None)
        self.training_bar.set_epoch(0)
        self.worker.reset(self._generation, seed)
        if self._reset_weights is not None and not new_seed:
            self.worker.set_weights(self._reset_weights)  # queued: applied right after

    @property
    def reset_restores_model(self) -> bool:
        """Whether Reset goes back to a loaded model's weights (rather than re-initializing
        the network): true from File ▸ Open model until the network is rebuilt."""
        return self._reset_weights is not None

    def set_learning_rate(self, lr: float) -> None:
        self.experiment.training.learning_rate = float(lr)
        self.training_bar.lr_combo.set_value(lr)
        if self.worker is not None:
            self.worker.set_learning_rate(lr)

    def _on_optimizer(self, name: str) -> None:
        self.experiment.training.optimizer = name
        if self.worker is not None:
            self.worker.set_optimizer(name)

    def _on_batch_size(self, batch: int | None) -> None:
        self.experiment.training.batch_size = batch
        if self.worker is not None:
            self.worker.set_batch_size(batch)

    def _on_regularization(self, l1: float, l2: float) -> None:
        self.experiment.training.l1, self.experiment.training.l2 = l1, l2
        if self.worker is not None:
            self.worker.set_regularization(l1, l2)

    def _on_stop_after(self, epochs: int | None) -> None:
        if epochs is not None:
            self.experiment.training.epochs = int(epochs)
        if self.worker is not None:
            self.worker.set_stop_after(epochs)

    def edit_weight(self, layer: int, i: int, j: int, value: float) -> None:
        """Set one weight; the worker applies it between steps (also while training). Not
        while the timeline shows an earlier moment (the status bar says why)."""
        if self.worker is not None and self.teaching.weight_edit_allowed():
            self.worker.set_weight(layer, i, j, value)

    def edit_bias(self, layer: int, j: int, value: float) -> None:
        """Set one bias, like :meth:`edit_weight`."""
        if self.worker is not None and self.teaching.weight_edit_allowed():
            self.worker.set_bias(layer, j, value)

    # --- worker signals ---------------------------------------------------------------------------
    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        """Draw a snapshot in parts (one view at a time), returning to the event loop between
        parts so that input and timers stay responsive; acknowledge at the end.

        Paused, stepping or starting over, every view draws. While training, the worker
        waits for each frame and then trains three times as long as the frame took, so a
        frame should be short: it draws the network and output views when the snapshot
        brings new pictures, else the history group (see ``history_groups``) that has
        waited longest. Every history group gets the snapshots it skipped merged, so that
        no step or epoch is lost. The teaching tools take the snapshot first.
        """
        self.teaching.on_snapshot(snap)
        if snap.generation != self._generation:
            self._acknowledge()  # from before a reset or a new network
            return
        self._last_snapshot = snap
        self._latest_weights = snap.weights
        if snap.last_loss is not None:  # (kept here: the status update below may skip snap)
            self._batch_loss = snap.last_loss
        # while training, the status texts change at most 4 times a second (each change
        # lays out and repaints the status and training bars)
        self._status_throttle(lambda: self._show_snapshot_status(snap), live=snap.running)
        output = self.plots.output_view
        # while training the worker attaches the pictures (output grid, neuron images) to
        # at most ~10 snapshots a second: the network and output views redraw with those
        views = (snap.output, snap.neuron_images, snap.curve, snap.confusion)
        pictures = not snap.running or any(x is not None for x in views)
        if pictures:
            self._last_pictures = (snap.generation, views)
        elif self._last_pictures is not None and self._last_pictures[0] == snap.generation:
            # the snapshot still describes the output: the latest pictures (<= 0.1 s old)
            snap.output, snap.neuron_images, snap.curve, snap.confusion = self._last_pictures[1]
        parts = [] if self.live_view_frozen or not pictures else [
            ("network", self._draw_network, snap), ("OutputView", output.append, snap)]
        pending = self._history_pending
        for g in range(len(pending)):
            pending[g] = merge_snapshots(pending[g], snap)
        now = time.perf_counter()
        everything = not snap.running or any(p is not None and p.fresh for p in pending)
        waited = [now - t for t in self._history_drawn_at]
        due = [g for g in range(len(pending)) if everything
               or waited[g] >= self.history_max_wait]
        if not due and not parts:
            due = [max(range(len(pending)), key=waited.__getitem__)]
        groups = self._history_plot_groups()
        for g in due:
            merged, pending[g] = pending[g], None
            self._history_drawn_at[g] = now
            parts += [(type(plot).__name__, plot.append, merged) for plot in groups[g]]
        if parts:
            self.snapshots_with_views += 1
        self._frames.append((snap, parts))
        if not self._part_timer.isActive():
            self._draw_next_part()

    def _history_plot_groups(self) -> list[list[Any]]:
        """The history plots (all but the output view) in ``history_groups``."""
        groups: list[list[Any]] = [[] for _ in self.history_groups]
        for plot in self.plots.plots:
            if plot is self.plots.output_view:
                continue
            name = type(plot).__name__
            g = next((k for k, names in enumerate(self.history_groups) if name in names),
                     len(groups) - 1)
            groups[g].append(plot)
        return groups

    def _draw_network(self, snap: Snapshot) -> None:
        if snap.weights:
            self.network_view.update_weights(snap.weights)
        if snap.neuron_images is not None:
            self.network_view.update_neuron_images(snap.neuron_images)

    def _draw_next_part(self) -> None:
        while self._frames:
            snap, parts = self._frames[0]
            if not parts or snap.generation != self._generation:
                self._frames.popleft()
                if snap.generation == self._generation:
                    self.snapshots_drawn += 1
                    self._drawn_running = snap.running
                self._acknowledge()
                continue
            started = time.perf_counter()
            name, draw, data = parts.pop(0)
            draw(data)
            if snap.running and self.isVisible():
                # Lay out and paint now, while the worker waits for the acknowledgement;
                # the updates Qt posts would otherwise run later and compete with the
                # worker for the GIL (see worker.py).
                for _ in range(self.paint_passes):
                    QApplication.sendPostedEvents()
            spent = time.perf_counter() - started
            self.draw_seconds += spent
            self.part_seconds[name] = self.part_seconds.get(name, 0.0) + spent
            self.part_counts[name] = self.part_counts.get(name, 0) + 1
            self._part_timer.start()
            return

    def _acknowledge(self) -> None:
        if self.worker is not None and not self._frames:
            self.worker.acknowledge()

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        self._running = running
        self.training_bar.set_running(running)
        if running:
            self.banner.dismiss()
            # a note such as "Loaded model.npz — press Play" is done with: the status bar's
            # epoch, speed and loss readouts take its place
            self.statusBar().clearMessage()

    @Slot(str)
    def _on_diverged(self, message: str) -> None:
        self.training_bar.set_running(self._running)
        self.last_diverged_message = message
        lr = self.experiment.training.learning_rate
        smaller = lr / 10
        self.banner.show_message(
            "Training diverged and was paused",
            message,
            actions=[
                (f"Learning rate {format_rate(smaller)} and reset",
                 lambda: (self.set_learning_rate(smaller), self.reset_training())),
                ("Switch to Adam and reset", self._adam_and_reset),
                ("Reset", self.reset_training),
            ],
        )

    def _adam_and_reset(self) -> None:
        index = self.training_bar.optimizer_combo.findData("adam")
        self.training_bar.optimizer_combo.setCurrentIndex(index)
        self._on_optimizer("adam")
        if self.experiment.training.learning_rate > 0.01:
            self.set_learning_rate(0.01)
        self.reset_training()

    @Slot(int)
    def _on_limit_reached(self, epochs: int) -> None:
        self.training_bar.set_running(self._running)  # a refused "play" unpresses the button
        self._limit_reached = epochs
        self._status_speed.setText(f"stopped at epoch {epochs:,}")
        self._status_speed.setToolTip("Untick 'Stop at epoch' (or raise it) to train on.")

    @Slot(str)
    def _on_worker_error(self, message: str) -> None:
        self.training_bar.set_running(self._running)
        self.banner.show_message("Training paused", message, kind="error")

    def _show_snapshot_status(self, snap: Snapshot) -> None:
        """The snapshot's epoch in the training bar and its numbers in the status bar."""
        if snap.generation != self._generation:
            return  # a deferred update from before a reset or a new network
        self.training_bar.set_epoch(snap.epoch)
        self._show_status(snap)

    def _show_status(self, snap: Snapshot | None) -> None:
        if snap is None:
            self._batch_loss = None
            self._status_epoch.setText("Epoch 0")
            self._status_speed.setText("paused")
            self._status_loss.setText("Loss: —")
            self._status_acc.setText("")
            return
        self._status_epoch.setText(f"Epoch {snap.epoch:,}  ·  step {snap.step:,}")
        if snap.running:
            self._limit_reached = None
            rate = snap.steps_per_second
            self._status_speed.setText(f"{rate:,.0f} step{'' if round(rate) == 1 else 's'}/s")
        elif self._limit_reached is not None and snap.epoch >= self._limit_reached:
            self._status_speed.setText(f"stopped at epoch {self._limit_reached:,}")
        else:
            self._status_speed.setText("paused")
        m = snap.metrics
        loss = f"Loss: train {_fmt_loss(m.get('train_loss'))}"
        if m.get("test_loss") is not None:
            loss += f"  ·  test {_fmt_loss(m.get('test_loss'))}"
        if not m:  # no epoch finished yet: the latest mini-batch's loss, if any
            loss = ("Loss: —" if self._batch_loss is None
                    else f"Batch loss: {_fmt_loss(self._batch_loss)}")
        self._status_loss.setText(loss)
        if m.get("train_accuracy") is not None:
            acc = f"Accuracy: train {_fmt_acc(m.get('train_accuracy'))}"
            if m.get("test_accuracy") is not None:
                acc += f"  ·  test {_fmt_acc(m.get('test_accuracy'))}"
            self._status_acc.setText(acc)
        else:
            self._status_acc.setText("")

    def wait_for_idle(self, timeout: float = 2.0) -> bool:
        """Process events until the worker is paused and its last snapshot is drawn."""
        deadline = time.monotonic() + timeout
        if self.worker is not None:
            self.worker.request_snapshot()
        drawn = self.snapshots_drawn
        while time.monotonic() < deadline:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if (not self._running and not self._frames and self.snapshots_drawn > drawn
                    and not self._drawn_running):
                return True
            time.sleep(0.005)
        return False

    def _update_title(self) -> None:
        name = self.experiment.name or "Untitled"
        where = f" — {self.experiment_path.name}" if self.experiment_path else ""
        self.setWindowTitle(f"{name}{where}[*] — nnstudio")  # [*]: the modified marker

    # --- layout persistence and closing ------------------------------------------------------------
    def _restore_layout(self) -> None:
        from nnstudio.gui.app import settings

        store = settings()
        geometry = store.value("main/geometry")
        state = store.value("main/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def _save_layout(self) -> None:
        from nnstudio.gui.app import settings

        store = settings()
        store.setValue("main/geometry", self.saveGeometry())
        store.setValue("main/state", self.saveState())

    def shutdown_worker(self) -> bool:
        """Stop training and join the worker thread (idempotent)."""
        if self._thread is None:
            return True
        ok = self._thread.shutdown()
        self._running = False
        return ok

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.maybe_save("closing"):  # file_actions: unsaved changes? ask first
            event.ignore()
            return
        if not self.teaching.maybe_save_runs("closing"):  # kept runs not saved? ask too
            event.ignore()
            return
        self._rebuild_timer.stop()
        self._part_timer.stop()
        self._frames.clear()
        self.shutdown_worker()
        self.teaching.shutdown()
        if self._exercise_window is not None:
            self._exercise_window.close()
        self._save_layout()
        super().closeEvent(event)
