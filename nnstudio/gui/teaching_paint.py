""""Paint your own data" in the main window: the paint tool on the output view, its tool
bar, and the experiment switched to the painted points after every stroke.

Starting on other data shows an empty (−6, 6) canvas; the network keeps its old data until
the points can be trained on (two points of two classes, or two values), from then on each
stroke rebuilds the experiment with ``DataConfig(source="painted")``. "Done" gives the
mouse back to the plot (a click on a point then opens the backpropagation inspector).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QToolBar

from nnstudio.engine.datasets import PLAYGROUND_EXTENT
from nnstudio.gui.paint_tool import PaintController, PaintToolbar
from nnstudio.gui.snapshot import PlotContext, layer_names


def paint_problem(points: list[list[Any]], task: str) -> str:
    """Why these points cannot be trained on yet ("" if they can)."""
    if len(points) < 2:
        return f"{len(points)} point{'s' if len(points) != 1 else ''} so far: paint at least 2."
    if task == "classes" and len({int(p[2]) for p in points}) < 2:
        return "Every point has the same class: paint points of a second class too."
    return ""


def empty_canvas(feature_names: list[str] | None = None) -> PlotContext:
    """The output view's context for a blank (−6, 6) painting canvas."""
    return PlotContext(task="binary", classes=[0, 1], layer_names=layer_names(1),
                       activations=["sigmoid"], X_train_raw=None,  # no points: None
                       y_train=None, X_test_raw=None, y_test=None,
                       extent=tuple(float(v) for v in PLAYGROUND_EXTENT), input_dim=2,
                       feature_names=list(feature_names or ["x1", "x2"]))


class PaintMode(QObject):
    """Painting for one main window; ``freeze(bool)`` keeps the live training pictures off
    the output view while a blank canvas is shown."""

    def __init__(self, win: Any, freeze: Callable[[bool], None]) -> None:
        super().__init__(win)
        self.win = win
        self._freeze = freeze
        self.controller: PaintController | None = None
        self.tools: PaintToolbar | None = None
        self.active = False
        self.pending = False  # a canvas is shown that the session does not train yet
        self.toolbar = QToolBar("Paint data", win)
        self.toolbar.setObjectName("paintToolBar")
        self.toolbar.setMovable(False)
        self.toolbar.setFloatable(False)
        self.message = QLabel()
        self.message.setObjectName("muted")
        self.done_button = QPushButton("Done")
        self.done_button.setToolTip("Stop painting: the mouse pans and zooms the plot again, "
                                    "and a click on a training point opens the inspector.")
        self.done_button.clicked.connect(self.finish)
        win.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        win.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.toolbar.toggleViewAction().setVisible(False)  # shown by painting only
        self.toolbar.hide()

    # --- API -------------------------------------------------------------------------------
    def start(self) -> PaintController:
        """Show the paint tools on the output view, ready to add points."""
        paint = self._ensure()
        exp = self.win.experiment
        if exp.data.source == "painted":
            if paint.points() != (exp.data.points or []):
                paint.set_points(exp.data.points or [])
            self.pending = False
        elif not self.active or not self.pending:
            paint.set_points([])
            self.pending = True
            self.win.pause()  # nothing to train on until the points can be
            self._freeze(True)
            self.win.output_view.reset(empty_canvas())
        self.active = True
        paint.set_overlay_visible(True)
        paint.set_mode("add")
        self.toolbar.show()
        self._update_message()
        return paint

    def finish(self) -> None:
        """Stop painting (a blank canvas that was never trained goes back to the data)."""
        if self.controller is None:
            return
        self.active = False
        self.controller.set_mode("navigate")
        self.controller.set_overlay_visible(False)
        self.toolbar.hide()
        if self.pending:
            self.pending = False
            self.controller.set_points([])
            if self.win.session_context is not None:
                self.win.output_view.reset(self.win.session_context)
            self._freeze(False)

    def on_session(self, session: Any) -> None:
        """A session was installed: follow painted data, leave the tools for other data."""
        if not self.active:
            self.toolbar.hide()  # (a restored window layout may have shown it)
        exp = session.experiment
        if exp.data.source == "painted":
            self.pending = False
            self._freeze(False)
            if self.controller is not None and self.controller.points() != exp.data.points:
                self.controller.set_points(exp.data.points or [])
        elif self.active:
            self.finish()  # other data was chosen while painting
        elif self.controller is not None:
            self.controller.set_points([])

    # --- internals -------------------------------------------------------------------------
    def _ensure(self) -> PaintController:
        if self.controller is None:
            paint = PaintController(self.win.output_view.plot, self)
            paint.set_overlay_visible(False)
            self.tools = PaintToolbar(paint)
            self.toolbar.addWidget(self.tools)
            self.toolbar.addWidget(self.message)
            self.toolbar.addWidget(self.done_button)
            paint.points_changed.connect(self._on_points)
            paint.label_changed.connect(self._update_message)
            paint.message.connect(lambda text: self.win.statusBar().showMessage(text, 5000))
            self.controller = paint
        return self.controller

    def _update_message(self) -> None:
        paint = self.controller
        if paint is None:
            return
        problem = paint_problem(paint.points(), paint.task)
        self.message.setText(problem or "Each stroke retrains the network on your points.")

    def _on_points(self) -> None:
        paint = self.controller
        if paint is None or not self.active:
            return
        self._update_message()
        if paint_problem(paint.points(), paint.task):
            return
        win = self.win
        cfg = paint.data_config(copy.deepcopy(win.experiment.data))
        win.data_panel.set_data_config(cfg)
        win.rebuild_from_panels()
