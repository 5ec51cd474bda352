"""The teaching tools wired into the main window: lessons, the backpropagation inspector,
run comparison, the weight timeline, histograms, painted data and the closed-form baseline.

:class:`Teaching` builds the docks, hidden until opened from the menus: the lesson on the
right (beside everything else, so its text stays readable while the tools are used) and
the tools (inspector, comparison, histograms, baseline) as more tabs beside Data and
Network, widening that area while one is shown; the timeline bar (bottom) and the paint
tool bar. It adds the menu entries and connects everything to the window and its worker:

- the worker's snapshots feed the run recorder (the "Compare runs" store), the weight
  timeline (``Snapshot.epoch_params``), the histograms (``Snapshot.histograms``), the
  lesson's task check (per-epoch rows) and the baseline's network loss;
- scrubbing the timeline asks the worker to render that moment (``worker.render``) and
  shows the answer in the network and output views; "Resume from here" rewinds the worker;
- the inspector explains a copy of the network and sends its SGD step back as
  ``worker.set_weights``; lists of comparison runs train in a background thread.

The GUI thread never trains and never touches the worker's network.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QSplitter, QToolBar, QVBoxLayout, QWidget

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.network import Network
from nnstudio.engine.runs import RunStore, comparison_presets
from nnstudio.engine.timeline import WeightTimeline
from nnstudio.gui import settings, style
from nnstudio.gui import teaching_runs as runs_ui
from nnstudio.gui.baseline_view import BaselineView
from nnstudio.gui.compare_view import CompareView
from nnstudio.gui.histogram_view import HistogramView
from nnstudio.gui.lesson_panel import LessonPanel
from nnstudio.gui.snapshot import Snapshot
from nnstudio.gui.teaching_inspect import InspectorPanel
from nnstudio.gui.teaching_locks import ControlLocks
from nnstudio.gui.teaching_paint import PaintMode
from nnstudio.gui.teaching_runs import BatchProgress, BatchRunner, RunRecorder
from nnstudio.gui.timeline_bar import TimelineBar

#: the width of the left dock area while a tool is shown there / of the lesson dock; at
#: 1280 pixels the centre keeps ~700 for the network and output views
TOOL_WIDTHS = {"inspectorDock": 760, "compareDock": 700, "histogramDock": 480,
               "baselineDock": 480}
HISTOGRAM_BACKLOG = 300  # histogram moments kept while the dock is hidden
HISTOGRAM_COLUMN = 230  # more per column of layer cells (2 columns from 4 layers, 3 from 7)
LESSON_WIDTH = 300
SETTINGS_WIDTH = 330  # the Data / Network panels' own width
CURVE_POINTS = 200  # points of the closed-form line drawn over 1-D regression data
TIMELINE_FOLLOW = 10  # times a second at most the timeline's slider follows a training run
#: seconds between the worker's histograms while training: the dock shown / hidden (the
#: hidden dock keeps a coarser history for when it is opened)
HISTOGRAM_INTERVALS = (0.1, 1.0)


class Teaching(QObject):
    """The teaching tools of one :class:`MainWindow` (see the module docs)."""

    def __init__(self, win: Any) -> None:
        super().__init__(win)
        self.win = win
        self._worker: Any = None
        self._generation: int | None = None
        self._prepared: Any = None
        self._x_range: tuple[float, float] | None = None
        self._frozen: set[str] = set()  # why the live pictures are held ("scrub", "paint")
        self._last_live: Snapshot | None = None
        self._last_pictures: Snapshot | None = None  # the latest live one with pictures
        self._render_request = 0
        self._keep_timeline: int | None = None  # generation a resume continues
        self._lesson_rows: list[dict[str, float]] = []
        self._timeline_followed = 0.0  # when the timeline bar last followed the run
        self._compare_used = False  # Compare runs was opened (its runs are worth keeping)
        #: the window calls :meth:`on_snapshot` itself (see there)
        self.fed_by_window = False
        # histograms that arrive while their dock is hidden wait here (building the view's
        # per-layer cells is slow; it happens when the dock is shown)
        self._histogram_backlog: deque[tuple[int, dict]] = deque(maxlen=HISTOGRAM_BACKLOG)
        self._histograms_current = False  # the view was reset for this run
        self._baseline_loss: tuple[Any, Any] = (None, None)  # the network's, for the baseline
        #: the weights the network view shows (live, or a timeline moment)
        self.shown_weights: list[tuple[np.ndarray, np.ndarray]] | None = None

        self.store = RunStore()
        self.recorder = RunRecorder(self.store, win.current_experiment)
        self.runner = BatchRunner()
        self.timeline = WeightTimeline()
        self.locks = ControlLocks(win)

        self.lesson_panel = LessonPanel()
        self.inspector = InspectorPanel()
        self.compare = CompareView()
        self.compare.set_store(self.store)
        splitter = self.compare.findChild(QSplitter)  # run list above the plots in a dock
        if splitter is not None:
            splitter.setOrientation(Qt.Orientation.Vertical)
            splitter.setSizes([170, 520])
        self.batch_progress = BatchProgress(self.runner)
        self.histograms = HistogramView()
        self.baseline = BaselineView()
        self.timeline_bar = TimelineBar()
        self.timeline_bar.set_timeline(self.timeline)
        self.baseline_curve = pg.PlotDataItem(
            pen=pg.mkPen(style.ACCENT, width=2, style=Qt.PenStyle.DashLine))
        self.baseline_curve.setZValue(9)

        compare_box = QWidget()
        box = QVBoxLayout(compare_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.compare, 1)
        box.addWidget(self.batch_progress)

        # the lesson on the right, beside everything else; the tools as more tabs next to
        # Data and Network (the left area widens for them, the centre keeps its room)
        right, left = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.LeftDockWidgetArea
        self.lesson_dock = self._dock("Lesson", "lessonDock", self.lesson_panel, right)
        self.inspector_dock = self._dock("Backprop inspector", "inspectorDock", self.inspector,
                                         left)
        self.compare_dock = self._dock("Compare runs", "compareDock", compare_box, left)
        self.histogram_dock = self._dock("Histograms", "histogramDock", self.histograms, left)
        self.baseline_dock = self._dock("Baseline", "baselineDock", self.baseline, left)
        self.tool_docks = [self.inspector_dock, self.compare_dock, self.histogram_dock,
                           self.baseline_dock]
        self.docks = [self.lesson_dock, *self.tool_docks]
        anchor = getattr(win, "designer_dock", None)
        for dock in self.tool_docks:
            if anchor is not None:
                win.tabifyDockWidget(anchor, dock)
                anchor = dock
        for dock in self.docks:
            dock.hide()

        self.timeline_toolbar = QToolBar("Timeline", win)
        self.timeline_toolbar.setObjectName("timelineToolBar")
        self.timeline_toolbar.setMovable(False)
        self.timeline_toolbar.setFloatable(False)
        self.timeline_toolbar.addWidget(self.timeline_bar)
        win.addToolBar(Qt.ToolBarArea.BottomToolBarArea, self.timeline_toolbar)

        self.paint = PaintMode(win, lambda on: self._freeze("paint", on))

        self._build_menus()
        self._connect()

    # --- construction -------------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea
              ) -> QDockWidget:
        dock = QDockWidget(title, self.win)
        dock.setObjectName(name)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        dock.setWidget(widget)
        dock.hide()  # before the window's layout counts it: hidden until opened
        self.win.addDockWidget(area, dock)
        dock.visibilityChanged.connect(lambda visible, d=dock: self._dock_shown(d, visible))
        return dock

    def _build_menus(self) -> None:
        win = self.win
        bar = win.menuBar()
        help_action = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"),
                           None)
        presets_action = getattr(getattr(win, "presets_menu", None), "menuAction", None)

        # Data: painting
        self.data_menu = QMenu("&Data", win)
        self.paint_action = QAction("&Paint your own data…", win)
        self.paint_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.paint_action.setStatusTip("Click, drag or spray points of each class (or value) "
                                       "on the output plot and train on them.")
        self.paint_action.triggered.connect(lambda _=False: self.start_painting())
        self.data_menu.addAction(self.paint_action)
        self.data_menu.addAction(self._toggle(self.baseline_dock,
                                              "Closed-form &baseline (regression)"))
        win.dataset_lock_actions = [self.paint_action]
        if presets_action is not None:
            bar.insertMenu(presets_action(), self.data_menu)
        else:
            bar.addMenu(self.data_menu)

        # Presets: the classic comparisons
        presets = getattr(win, "presets_menu", None)
        if presets is not None:
            presets.addSeparator()
            try:
                comparisons = comparison_presets()
            except (NNStudioError, OSError):
                comparisons = []
            for comparison in comparisons:
                action = presets.addAction(f"Compare: {comparison.title}")
                action.setToolTip(comparison.description)
                action.setStatusTip(comparison.description[:160])
                action.triggered.connect(
                    lambda _=False, c=comparison: self.compare_runs(list(c.experiments)))

        # Lessons
        self.lessons_menu = QMenu("&Lessons", win)
        self.lessons_menu.setToolTipsVisible(True)
        for number, lesson in enumerate(self.lesson_panel.lessons, start=1):
            action = self.lessons_menu.addAction(f"{number}. {lesson.title}")
            action.setToolTip(lesson.summary)
            action.setStatusTip(lesson.summary)
            action.triggered.connect(lambda _=False, key=lesson.id: self.open_lesson(key))
        if not self.lesson_panel.lessons:
            self.lessons_menu.addAction("(no lessons found)").setEnabled(False)
        self.lessons_menu.addSeparator()
        self.close_lesson_action = self.lessons_menu.addAction("&Close the lesson")
        self.close_lesson_action.setStatusTip("Leave the lesson and unlock every control.")
        self.close_lesson_action.triggered.connect(
            lambda _=False: self.lesson_panel.close_lesson())
        self.close_lesson_action.setEnabled(False)
        if help_action is not None:
            bar.insertMenu(help_action, self.lessons_menu)
        else:
            bar.addMenu(self.lessons_menu)

        # View: the tools
        view = next((a.menu() for a in bar.actions()
                     if a.text().replace("&", "") == "View" and a.menu() is not None), None)
        if view is None:
            view = QMenu("&View", win)
            bar.insertMenu(self.lessons_menu.menuAction(), view)
        view.addSeparator()
        self.view_actions = {
            "lesson": self._toggle(self.lesson_dock, "&Lesson"),
            "inspector": self._toggle(self.inspector_dock, "&Backpropagation inspector",
                                      QKeySequence("Ctrl+Shift+B")),
            "compare": self._toggle(self.compare_dock, "&Compare runs",
                                    QKeySequence("Ctrl+Shift+C")),
            "histograms": self._toggle(self.histogram_dock, "&Histograms",
                                       QKeySequence("Ctrl+Shift+H")),
            "baseline": self._toggle(self.baseline_dock, "Closed-form &baseline"),
        }
        for action in self.view_actions.values():
            view.addAction(action)
        timeline = self.timeline_toolbar.toggleViewAction()
        timeline.setText("&Timeline")
        view.addAction(timeline)

    def _toggle(self, dock: QDockWidget, text: str, shortcut: QKeySequence | None = None
                ) -> QAction:
        action = QAction(text, self.win)
        action.setCheckable(True)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda checked, d=dock: self.show_dock(d) if checked
                                 else d.hide())
        dock.visibilityChanged.connect(lambda _v, a=action, d=dock: a.setChecked(
            not d.isHidden()))
        return action

    def _connect(self) -> None:
        win = self.win
        win.session_installed.connect(self._on_session)
        win.output_view.train_points.sigClicked.connect(self._on_point_clicked)
        lp = self.lesson_panel
        lp.open_experiment.connect(self._open_lesson_experiment)
        lp.lock_controls.connect(self.locks.set_locked)
        lp.lesson_changed.connect(self._on_lesson_changed)
        lp.closed.connect(self.lesson_dock.hide)
        ins = self.inspector
        ins.sample_requested.connect(self.inspect)
        ins.refresh_requested.connect(lambda: self.inspect(self.inspector.index))
        ins.apply_step_requested.connect(self._apply_step)
        cv = self.compare
        cv.run_requested.connect(self._run_now)
        cv.runs_requested.connect(self.compare_runs)
        cv.open_requested.connect(lambda exp: win.open_experiment(exp))
        self.runner.run_done.connect(self._on_background_run)
        self.runner.failed.connect(self._on_background_failure)
        self.runner.idle.connect(self._on_runner_idle)
        tb = self.timeline_bar
        tb.scrubbed.connect(self._on_scrubbed)
        tb.present_requested.connect(self._on_present)
        tb.resume_requested.connect(self.resume_from)
        self.baseline.fit_changed.connect(lambda _fit: self._update_baseline_curve())

    def shutdown(self) -> None:
        """The window closes: end the current run's record, stop background runs."""
        self.recorder.close("stopped")
        self.runner.shutdown()

    # --- docks and menus ------------------------------------------------------------------------
    def show_dock(self, dock: QDockWidget) -> None:
        """Open a teaching dock and bring its tab forward (a tool widens the left area)."""
        was_hidden = dock.isHidden()
        dock.show()
        dock.raise_()
        if dock.isFloating():
            return
        win = self.win
        central = win.centralWidget()
        room = win.width() - (central.minimumSizeHint().width() if central else 0) - 24
        if dock is self.lesson_dock:
            if was_hidden:
                left = max((d.width() for d in self.tool_docks + [win.data_dock]
                            if d.isVisible() and not d.isFloating()), default=0)
                width = max(dock.minimumSizeHint().width(), min(LESSON_WIDTH, room - left))
                win.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
            return
        right = self.lesson_dock.width() if self.lesson_dock.isVisible() \
            and not self.lesson_dock.isFloating() else 0
        target = max(TOOL_WIDTHS.get(dock.objectName(), SETTINGS_WIDTH),
                     dock.minimumSizeHint().width())
        if dock is self.histogram_dock:
            if not self._histograms_current:
                self._reset_histograms()
            n = len(self.histograms.cells)
            columns = 1 if n <= 3 else 2 if n <= 6 else 3
            target += HISTOGRAM_COLUMN * (columns - 1)
        target = max(dock.minimumSizeHint().width(), min(target, room - right))
        if dock.width() < target:
            win.resizeDocks([dock], [target], Qt.Orientation.Horizontal)

    def _reset_histograms(self) -> None:
        context = self.win.session_context
        if context is not None:
            self.histograms.reset(context.layer_names, context.activations)
        self._histograms_current = True

    def _tell_histogram_interval(self) -> None:
        if self._worker is not None:
            shown, hidden = HISTOGRAM_INTERVALS
            self._worker.set_histogram_interval(hidden if self.histogram_dock.isHidden()
                                                else shown)

    def _dock_shown(self, dock: QDockWidget, visible: bool) -> None:
        if dock is self.compare_dock and visible:
            self._compare_used = True
        if dock is self.histogram_dock:
            self._tell_histogram_interval()
        if dock is self.histogram_dock and visible:
            if not self._histograms_current:
                self._reset_histograms()
            while self._histogram_backlog:
                self.histograms.append(*self._histogram_backlog.popleft())
        if dock is self.baseline_dock and visible:
            self.baseline.set_network_loss(*self._baseline_loss)
        if not visible and dock in self.tool_docks and all(d.isHidden()
                                                           for d in self.tool_docks):
            data = getattr(self.win, "data_dock", None)  # back to the panels' own width
            if data is not None and not data.isFloating() and data.width() > SETTINGS_WIDTH:
                self.win.resizeDocks([data], [SETTINGS_WIDTH], Qt.Orientation.Horizontal)
        if dock is self.baseline_dock:
            self._update_baseline_curve()
        if dock is self.inspector_dock and visible and self.inspector.index is not None:
            self._refresh_inspector_if_stale()

    # --- sessions and snapshots -----------------------------------------------------------------
    @Slot(object)
    def _on_session(self, session: Any) -> None:
        """A new session (data, network) was installed in the window and its worker."""
        if self._worker is None and self.win.worker is not None:
            self._worker = self.win.worker
            self._worker.snapshot.connect(self._on_snapshot)
            self._worker.rendered.connect(self._on_rendered)
            self._worker.limit_reached.connect(self._on_limit_reached)
            self._tell_histogram_interval()
        self._prepared = session.prepared
        self._x_range = session.x_range
        self.inspector.set_data(session.prepared, session.context)
        self.inspector.set_learning_rate(session.experiment.training.learning_rate)
        self.compare.set_base_experiment(self.win.current_experiment())
        self._set_baseline_data(session)
        self.paint.on_session(session)
        self.locks.apply()

    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        if not self.fed_by_window:
            self.on_snapshot(snap)

    def on_snapshot(self, snap: Snapshot) -> None:
        """Take a worker snapshot: the run recorder, the timeline, the histograms, the
        lesson's check and the baseline. The teaching tools listen to the worker
        themselves unless the window sets ``fed_by_window`` and calls this (then it runs
        inside the window's frame, before the worker is told to train on, instead of
        competing with training for the GIL)."""
        if snap.generation != self.win._generation:
            return  # from before a reset or a new network (the window drops it too)
        self._last_live = snap
        if snap.output is not None or snap.curve is not None or snap.confusion is not None:
            self._last_pictures = snap
        if snap.generation != self._generation:
            self._new_generation(snap.generation)
        self.recorder.on_snapshot(snap)
        for epoch, step, params, metrics in snap.epoch_params:
            try:
                self.timeline.add(epoch, step, params, metrics)
            except NNStudioError:
                self.timeline.clear()  # another network's weights: start over
                self.timeline.add(epoch, step, params, metrics)
        if snap.epoch_params and self.timeline_toolbar.isVisible():
            # the slider follows at most TIMELINE_FOLLOW times a second while training (the
            # bar also polls the timeline, so the last moments show up anyway)
            now = time.perf_counter()
            if not snap.running or now - self._timeline_followed >= 1.0 / TIMELINE_FOLLOW:
                self._timeline_followed = now
                self.timeline_bar.refresh()
        if snap.histograms is not None:
            if self.histogram_dock.isHidden():  # kept until the dock is opened
                self._histogram_backlog.append((snap.step, snap.histograms))
            else:
                self.histograms.append(snap.step, snap.histograms)
        if snap.epochs:
            self._lesson_rows.extend(snap.epochs)
            if self.lesson_panel.current_lesson() is not None:
                grads = [float(v) for v in snap.grads[-1]] if len(snap.grads) else None
                self.lesson_panel.update_progress(self._lesson_rows, grads)
        if snap.metrics and self.baseline.fit() is not None:  # regression data only
            self._baseline_loss = (snap.metrics.get("train_loss"), snap.metrics.get("test_loss"))
            if not self.baseline_dock.isHidden():
                self.baseline.set_network_loss(*self._baseline_loss)
        if not self._frozen:
            self.shown_weights = snap.weights
            if not snap.running and self.inspector.index is not None:
                self._refresh_inspector_if_stale()

    @Slot(int)
    def _on_limit_reached(self, epochs: int) -> None:
        self.recorder.on_limit_reached(epochs)  # (a slot of this QObject: on the GUI thread)

    def _new_generation(self, generation: int) -> None:
        """A reset, a new network or a resume: the per-run views start over."""
        self._generation = generation
        self._lesson_rows = []
        if self._keep_timeline != generation:
            self.timeline.clear()
            self.timeline_bar.show_present()
            self._freeze("scrub", False)
        self._keep_timeline = None
        self._histogram_backlog.clear()
        self._histograms_current = False
        if not self.histogram_dock.isHidden():
            self._reset_histograms()
        self._update_baseline_curve()
        self.locks.apply()

    def _freeze(self, reason: str, on: bool) -> None:
        """Hold (or release) the live pictures of the network and output views."""
        was = bool(self._frozen)
        if on:
            self._frozen.add(reason)
        else:
            self._frozen.discard(reason)
        self.win.live_view_frozen = bool(self._frozen)
        if was and not self._frozen:
            win = self.win
            snap, pictures = self._last_live, self._last_pictures
            if pictures is not None and pictures.generation == win._generation:
                self._draw(pictures)  # (snapshots while training may come without them)
            if snap is not None and snap.generation == win._generation:
                if snap.weights:
                    win.network_view.update_weights(snap.weights)
                self.shown_weights = snap.weights
            if win.worker is not None and not win.running:
                win.worker.request_snapshot()

    def _draw(self, snap: Snapshot) -> None:
        """Show ``snap``'s weights and pictures in the network and output views."""
        win = self.win
        if snap.weights:
            win.network_view.update_weights(snap.weights)
        if snap.neuron_images is not None:
            win.network_view.update_neuron_images(snap.neuron_images)
        win.output_view.append(snap)

    # --- timeline -------------------------------------------------------------------------------
    def _on_scrubbed(self, moment: Any) -> None:
        if moment is None or self.win.worker is None:
            return
        self._freeze("scrub", True)
        self._render_request += 1
        self.win.worker.render(self._render_request, moment.params)

    @Slot(object)
    def _on_rendered(self, answer: tuple[int, Snapshot | None]) -> None:
        request, snap = answer
        if request != self._render_request or "scrub" not in self._frozen or snap is None:
            return
        self._draw(snap)
        self.shown_weights = snap.weights

    def _on_present(self) -> None:
        self._freeze("scrub", False)

    def resume_from(self, moment: Any) -> None:
        """Make an earlier moment the present: the worker goes back to its weights, epoch
        and history, the later snapshots are dropped, and training goes on from there."""
        win = self.win
        if win.worker is None or moment is None:
            return
        old = self.recorder.current
        branch = self.recorder.branch(moment.epoch)
        rows: list[dict[str, float]] = []
        steps = losses = grads = np.zeros(0)
        if old is not None:
            rows = [dict(r) for r in old.history if r.get("epoch", 0) <= moment.epoch]
            keep = old.steps <= moment.step
            steps, losses = old.steps[keep], old.losses[keep]
            grads = old.grads[keep] if len(old.grads) == len(old.steps) else np.zeros(0)
        self.timeline.truncate_after(moment.epoch)
        win.reset_training()
        generation = win._generation
        self._keep_timeline = generation
        if branch is not None:
            self.recorder.adopt(branch, generation)  # the rewind's snapshot refills it
        self._freeze("scrub", False)
        win.worker.rewind(generation, moment.params, moment.epoch, moment.step, rows,
                          steps, losses, grads)

    # --- lessons --------------------------------------------------------------------------------
    def open_lesson(self, lesson_id: str) -> None:
        """Open a lesson: its text in the Lesson dock, its experiment, its locks."""
        self.show_dock(self.lesson_dock)
        try:
            self.lesson_panel.set_lesson(lesson_id)
        except NNStudioError as exc:
            self.win.banner.show_message("Cannot open the lesson", str(exc), kind="error")

    def _open_lesson_experiment(self, exp: Any) -> None:
        if self.paint.active:
            self.paint.finish()
        self.win.open_experiment(exp, None)
        self.win.mark_saved()  # as with a preset: nothing to save until the student edits it
        self.win.lesson.hide()  # the lesson dock explains it
        self.locks.apply()
        self._focus_lesson_plot()
        # the lesson dock takes room when it opens and the plots may then turn into tabs:
        # bring the lesson's plot forward again once the window has laid itself out
        QTimer.singleShot(0, self._focus_lesson_plot)

    def _focus_lesson_plot(self) -> None:
        """Bring the plot the open lesson talks about (its ``focus``) to the front."""
        lesson = self.lesson_panel.current_lesson()
        focus = getattr(lesson, "focus", None)
        plots = getattr(self.win, "plots", None)
        if focus and hasattr(plots, "show_plot"):
            plots.show_plot(focus)

    def _on_lesson_changed(self, lesson_id: str) -> None:
        self.close_lesson_action.setEnabled(bool(lesson_id))
        if lesson_id:
            self.show_dock(self.lesson_dock)

    # --- inspector ------------------------------------------------------------------------------
    def _on_point_clicked(self, _item: Any, points: Any, event: Any = None) -> None:
        """A click on training points: inspect the one nearest to the cursor."""
        if self.paint.active or not len(points):
            return
        best = points[0]
        if event is not None and len(points) > 1:
            where = event.pos()
            px, py = self.win.output_view.plot.vb.viewPixelSize()
            px, py = abs(px) or 1.0, abs(py) or 1.0
            best = min(points, key=lambda pt: ((pt.pos().x() - where.x()) / px) ** 2
                       + ((pt.pos().y() - where.y()) / py) ** 2)
        self.inspect(int(best.index()))

    def inspect(self, index: int | None, bring_forward: bool = True) -> bool:
        """Explain training row ``index`` in the inspector with the weights shown now
        (and show the inspector, unless ``bring_forward`` is False)."""
        win = self.win
        weights = self.shown_weights or win._latest_weights
        if index is None or win.spec is None or not weights:
            return False
        network = Network(win.spec.copy(), seed=0)
        try:
            network.set_weights(weights)
        except (NNStudioError, ValueError):
            return False  # weights of a network that was just replaced
        if "scrub" in self._frozen and self.timeline_bar.current_snapshot() is not None:
            where = f"of epoch {self.timeline_bar.current_snapshot().epoch} (from the timeline)"
        else:
            snap = self._last_live
            where = "" if snap is None else f"of epoch {snap.epoch:,}, step {snap.step:,}"
        ok = self.inspector.inspect(index, network, where)
        if bring_forward:
            self.show_dock(self.inspector_dock)
        return ok

    def _refresh_inspector_if_stale(self) -> None:
        """Re-explain the sample when the weights changed (not after the inspector's own step)."""
        if not self.inspector.isVisible() or "scrub" in self._frozen:
            return  # (a tab behind another is not visible: it is refreshed when raised)
        current = self.inspector.network_weights()
        weights = self.shown_weights
        if current is None or weights is None or len(current) != len(weights):
            return
        same = all(np.array_equal(W, W2) and np.array_equal(b, b2)
                   for (W, b), (W2, b2) in zip(current, weights))
        if not same:
            self.inspect(self.inspector.index, bring_forward=False)

    def _apply_step(self, weights: list) -> None:
        """The inspector's SGD step goes to the worker (between two training steps) - not
        while an earlier moment of the timeline is shown: that is not the live network."""
        if "scrub" in self._frozen:
            moment = self.timeline_bar.current_snapshot()
            when = f"epoch {moment.epoch}" if moment is not None else "an earlier moment"
            self.win.statusBar().showMessage(
                f"The step changed only the inspector's copy of {when}. Use \"Resume from "
                "here\" on the timeline to train the network from that moment.", 8000)
            return
        if self.win.worker is not None:
            self.win.worker.set_weights(weights)

    # --- editing weights -------------------------------------------------------------------------
    def weight_edit_allowed(self) -> bool:
        """Whether a weight or bias typed into the network view may go to the live network.

        Not while the timeline shows an earlier moment: the view shows that moment's
        weights, and an edit would silently change the live network behind it. The status
        bar then says how to go on; the caller drops the edit."""
        if "scrub" not in self._frozen:
            return True
        moment = self.timeline_bar.current_snapshot()
        when = f"epoch {moment.epoch}" if moment is not None else "an earlier moment"
        self.win.statusBar().showMessage(
            f"Return to the present to edit weights: the network shows {when} from the "
            "timeline. Click \"Back to the present\", or \"Resume from here\" to train on "
            "from this moment and then edit.", 10000)
        return False

    def edit_weight(self, layer: int, i: int, j: int, value: float) -> bool:
        """Set one weight of the live network (see :meth:`weight_edit_allowed`)."""
        if not self.weight_edit_allowed() or self.win.worker is None:
            return False
        self.win.worker.set_weight(layer, i, j, value)
        return True

    def edit_bias(self, layer: int, j: int, value: float) -> bool:
        """Set one bias of the live network (see :meth:`weight_edit_allowed`)."""
        if not self.weight_edit_allowed() or self.win.worker is None:
            return False
        self.win.worker.set_bias(layer, j, value)
        return True

    # --- comparing runs -------------------------------------------------------------------------
    def unsaved_runs(self) -> int:
        """How many kept runs (with data) are not saved to a runs file.

        Counted once Compare runs was used in this window (opened, which training or
        loading comparison runs does too): the window records its own runs for the
        comparison automatically, and someone who never looked at them is not asked to
        keep them."""
        if not self._compare_used:
            return 0
        return sum(1 for record in self.store.unsaved()
                   if record.n_epochs or len(record.series))

    def maybe_save_runs(self, before: str = "closing") -> bool:
        """True if the kept runs may be dropped: none unsaved (see :meth:`unsaved_runs`),
        or the user saved them or chose not to. False if they cancelled (or saving
        failed: the message is shown)."""
        count = self.unsaved_runs()
        if not count:
            return True
        answer = runs_ui.ask_save_runs(self.win, count, before)
        if answer == runs_ui.DISCARD:
            return True
        if answer != runs_ui.SAVE:
            return False
        path = runs_ui.ask_runs_path(self.win, settings.last_folder("history",
                                                                    self.win._base_dir()))
        if not path:
            return False
        self.recorder.flush()
        try:
            self.store.save(path)
        except (NNStudioError, OSError) as exc:
            message = str(exc) if not isinstance(exc, OSError) else \
                f"{exc.filename or path}: {exc.strerror or exc}"
            self.win.banner.show_message("Cannot save the runs", message, kind="error")
            return False
        settings.remember_folder("history", path)  # (runs are training histories)
        self.win.statusBar().showMessage(f"Saved {len(self.store)} runs to {path}", 5000)
        return True

    def compare_runs(self, experiments: list[Any]) -> None:
        """Train ``experiments`` one after another in the background; show the comparison."""
        if not experiments:
            return
        self.show_dock(self.compare_dock)
        self.runner.train(experiments, self.win._base_dir())

    def _run_now(self, exp: Any) -> None:
        if self.win.open_experiment(exp, None):
            self.win.play()

    def _on_background_run(self, record: Any) -> None:
        record.name = self.store.unique_name(record.name)
        self.store.add(record)
        self.compare.refresh()

    def _on_background_failure(self, message: str) -> None:
        self.win.banner.show_message("A comparison run could not be trained", message,
                                     kind="error")

    def _on_runner_idle(self) -> None:
        self.runner.list_done()
        if not self.runner.busy:
            self.batch_progress.hide()

    # --- painting -------------------------------------------------------------------------------
    def start_painting(self) -> Any:
        """Switch to painting data on the output plot (an empty (−6, 6) canvas unless the
        data is painted already)."""
        if self.locks.is_locked("dataset"):
            return None
        self.timeline_bar.show_present()
        self._freeze("scrub", False)
        return self.paint.start()

    # --- closed-form baseline -------------------------------------------------------------------
    def _set_baseline_data(self, session: Any) -> None:
        prepared = session.prepared
        self._baseline_loss = (None, None)
        self.baseline.set_network_loss(None, None)
        if session.task != "regression":
            self.baseline.set_unavailable(
                "The closed-form baseline fits a number to predict: open regression data "
                "(sine, plane, bumps, a CSV file with a numeric target) to compare it with the "
                "network.")
            return
        names = list(getattr(prepared, "input_names", None) or []) or None
        has_test = prepared.X_test is not None and len(prepared.X_test) > 0
        self.baseline.set_data(prepared.X_train, prepared.y_train,
                               prepared.X_test if has_test else None,
                               prepared.y_test if has_test else None, names)

    def _update_baseline_curve(self) -> None:
        """The selected least-squares fit as a dashed line over 1-D regression data, while
        the baseline dock is open."""
        output = self.win.output_view
        curve = self.baseline_curve
        show = (not self.baseline_dock.isHidden() and self._x_range is not None
                and self._prepared is not None and self.baseline.fit() is not None
                and output.mode == "curve")
        if not show:
            if curve.scene() is not None:
                output.plot.removeItem(curve)
            _remove_legend(output, curve)
            return
        xs = np.linspace(self._x_range[0], self._x_range[1], CURVE_POINTS)
        try:
            ys = self.baseline.predict(self._prepared.transform(xs[:, None]))
        except (NNStudioError, ValueError):
            ys = None
        if ys is None:
            return
        ys = np.asarray(ys, dtype=float).reshape(len(xs), -1)[:, 0]
        curve.setData(xs, ys)
        if curve.scene() is None:
            output.plot.addItem(curve)
        if not _in_legend(output, curve):
            output.legend.addItem(curve, "least squares")


def _in_legend(output: Any, item: Any) -> bool:
    return any(getattr(sample, "item", None) is item for sample, _label in output.legend.items)


def _remove_legend(output: Any, item: Any) -> None:
    if _in_legend(output, item):
        output.legend.removeItem(item)


__all__ = ["Teaching"]

