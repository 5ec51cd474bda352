"""Painting 2-D data by hand on a plot: add points of a class (or a value), spray, erase,
clear, undo and redo.

:class:`PaintController` attaches to any pyqtgraph ``PlotItem`` (the output view's plot)
and draws its points on it; :class:`PaintToolbar` picks the mode, the class or value, and
offers undo, redo and clear. The points go into an experiment as
``DataConfig(source="painted", points=controller.points())`` — see :meth:`data_config`.

API for the main window::

    paint = PaintController(output_view.plot)        # a pg.PlotItem shown in a view
    toolbar = PaintToolbar(paint)
    paint.set_points(exp.data.points or [])           # e.g. when a painted experiment opens
    paint.points_changed.connect(on_points)           # after each stroke, clear, undo, redo
    cfg = paint.data_config(exp.data)                 # DataConfig(source="painted", ...)
    paint.set_mode("navigate")                        # give the mouse back to pan/zoom
    paint.detach()                                    # before the plot goes away

Mouse: in "add" mode a click adds one point (dragging adds a trail, one point every
14 pixels); "spray" adds a few points with a small random jitter (seeded) around the cursor
while the button is held; "erase" removes the points within 12 pixels of the cursor.
One stroke (press … release) is one undo step.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QEvent, Qt, Signal

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.experiment import DataConfig
from nnstudio.engine.features import validate_feature
from nnstudio.gui import style
from nnstudio.gui.plots_common import MUTED_TEXT, set_label_font

MODES = ("navigate", "add", "spray", "erase")
MODE_TITLES = {"navigate": "Move", "add": "Add", "spray": "Spray", "erase": "Erase"}
MODE_TIPS = {
    "navigate": "Drag to pan and scroll to zoom the plot; painting is off.",
    "add": "Click to add one point of the chosen class (drag to draw a trail of points).",
    "spray": "Hold the button and move to spray points around the cursor.",
    "erase": "Click or drag over points to remove them.",
}
TASKS = ("classes", "values")
MAX_CLASSES = 10
DEFAULT_MAX_POINTS = 5000
UNDO_DEPTH = 200
SPOT_SIZE = 9


def _tidy(value: float) -> float:
    """6 significant digits: short numbers in the experiment file."""
    return float(f"{value:.6g}")


def value_color(value: float) -> QtGui.QColor:
    """Regression values: orange at -1, white at 0, blue at +1 (clipped), as the playground."""
    t = max(-1.0, min(1.0, float(value)))
    end = QtGui.QColor(style.POSITIVE if t >= 0 else style.NEGATIVE)
    f = abs(t)
    return QtGui.QColor(round(255 + f * (end.red() - 255)), round(255 + f * (end.green() - 255)),
                        round(255 + f * (end.blue() - 255)))


class PaintController(QtCore.QObject):
    """Turns mouse strokes on a PlotItem into painted points ``[x1, x2, label]``."""

    points_changed = Signal()  # after a stroke, clear, undo, redo or set_points
    mode_changed = Signal(str)
    label_changed = Signal()  # the class / value / task to paint changed
    history_changed = Signal()  # undo/redo availability changed
    message = Signal(str)  # a note for the status bar (e.g. the point limit)

    def __init__(self, plot: pg.PlotItem, parent: QtCore.QObject | None = None,
                 seed: int = 0, max_points: int = DEFAULT_MAX_POINTS) -> None:
        super().__init__(parent)
        scene = plot.scene()
        if scene is None:
            raise ValueError("PaintController: the plot must be shown in a PlotWidget or "
                             "GraphicsLayoutWidget before painting can attach to it")
        self.plot = plot
        self.vb: pg.ViewBox = plot.getViewBox()
        self._scene = scene
        self._rng = np.random.default_rng(seed)
        self.max_points = int(max_points)
        self.spray_radius = 16.0  # pixels
        self.spray_count = 4  # points per spray burst
        self.spray_spacing = 6.0  # pixels the cursor moves between bursts
        self.trail_spacing = 14.0  # pixels between points of an "add" trail
        self.erase_radius = 12.0  # pixels
        self._points: list[list[Any]] = []
        self._undo: list[list[list[Any]]] = []
        self._redo: list[list[list[Any]]] = []
        self._mode = "navigate"
        self._task = "classes"
        self._class = 0
        self._value = 1.0
        self._stroke: list[list[Any]] | None = None  # points before the current stroke
        self._last_pos: QtCore.QPointF | None = None  # scene position of the last action
        self._limit_told = False

        self.scatter = pg.ScatterPlotItem(size=SPOT_SIZE, pxMode=True)
        self.scatter.setZValue(50)
        plot.addItem(self.scatter)
        self.cursor_ring = QtWidgets.QGraphicsEllipseItem()
        self.cursor_ring.setPen(pg.mkPen((60, 60, 60, 160), width=1,
                                         style=Qt.PenStyle.DashLine))
        self.cursor_ring.setZValue(60)
        self.cursor_ring.setVisible(False)
        scene.addItem(self.cursor_ring)
        scene.installEventFilter(self)

    # --- state ---------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        """``navigate`` (the plot pans and zooms), ``add``, ``spray`` or ``erase``."""
        if mode not in MODES:
            raise ValueError(f"unknown paint mode {mode!r} (known: {', '.join(MODES)})")
        if mode == self._mode:
            return
        self._mode = mode
        self._end_stroke()
        self.cursor_ring.setVisible(False)
        for view in self._scene.views():
            if mode == "navigate":
                view.viewport().unsetCursor()
            else:
                view.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.mode_changed.emit(mode)

    @property
    def task(self) -> str:
        return self._task

    def set_task(self, task: str) -> None:
        """Paint ``classes`` (whole-number class labels) or ``values`` (regression)."""
        if task not in TASKS:
            raise ValueError(f"unknown paint task {task!r} (known: {', '.join(TASKS)})")
        if task != self._task:
            self._task = task
            self.label_changed.emit()
            self._redraw()

    @property
    def label(self) -> int | float:
        """What a new point gets: the class index, or the value."""
        return self._class if self._task == "classes" else self._value

    def set_class(self, index: int) -> None:
        if not 0 <= int(index) < MAX_CLASSES:
            raise ValueError(f"class must be 0 to {MAX_CLASSES - 1}, got {index}")
        self._class = int(index)
        self.label_changed.emit()

    def set_value(self, value: float) -> None:
        if not math.isfinite(value):
            raise ValueError(f"the painted value must be a finite number, got {value}")
        self._value = float(value)
        self.label_changed.emit()

    def classes_used(self) -> list[int]:
        return sorted({int(p[2]) for p in self._points if self._task == "classes"})

    def points(self) -> list[list[Any]]:
        """A copy of the points: ``[[x1, x2, label], ...]`` (label an int class or a value)."""
        return [list(p) for p in self._points]

    def set_points(self, points: Any, task: str | None = None, undoable: bool = False) -> None:
        """Replace the points (e.g. from an experiment's ``data.points``). ``task`` None
        guesses: whole-number labels (at most 10 kinds) are classes, others values."""
        rows = []
        for i, p in enumerate(points or []):
            try:
                x1, x2, label = p
                x1, x2 = float(x1), float(x2)
            except (TypeError, ValueError):
                raise ValueError(f"painted point {i}: expected [x1, x2, label], got {p!r}") \
                    from None
            if not (math.isfinite(x1) and math.isfinite(x2)):
                raise ValueError(f"painted point {i}: coordinates must be finite numbers")
            rows.append([x1, x2, label])
        if task is None:
            labels = [r[2] for r in rows]
            whole = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                        and float(v).is_integer() and 0 <= v < MAX_CLASSES for v in labels)
            task = "classes" if whole and len(set(labels)) <= MAX_CLASSES else "values"
        for r in rows:
            r[2] = int(r[2]) if task == "classes" else float(r[2])
        if undoable:
            self._push_undo(self.points())
        else:
            self._undo.clear()
            self._redo.clear()
            self.history_changed.emit()
        self._points = rows
        self._task = task
        self.label_changed.emit()
        self._redraw()
        self.points_changed.emit()

    def data_config(self, base: DataConfig | None = None) -> DataConfig:
        """``base`` (or a default DataConfig) switched to these painted points."""
        cfg = DataConfig() if base is None else dataclasses.replace(base)
        cfg.source = "painted"
        cfg.points = self.points()
        cfg.path = None
        cfg.target = None
        cfg.samples = None
        cfg.task = "regression" if self._task == "values" else None
        if cfg.features is not None:  # keep derived features only if they use x1 and x2
            try:
                cfg.features = [validate_feature(f, ["x1", "x2"]) for f in cfg.features]
            except NNStudioError:
                cfg.features = None
        return cfg

    # --- edits -----------------------------------------------------------------------------
    def clear(self) -> None:
        """Remove every point (one undo step)."""
        if not self._points:
            return
        self._push_undo(self.points())
        self._points = []
        self._redraw()
        self.points_changed.emit()

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> None:
        if not self._undo:
            return
        self._redo.append(self.points())
        self._points = self._undo.pop()
        self.history_changed.emit()
        self._redraw()
        self.points_changed.emit()

    def redo(self) -> None:
        if not self._redo:
            return
        self._undo.append(self.points())
        self._points = self._redo.pop()
        self.history_changed.emit()
        self._redraw()
        self.points_changed.emit()

    def _push_undo(self, state: list[list[Any]]) -> None:
        self._undo.append(state)
        del self._undo[:-UNDO_DEPTH]
        self._redo.clear()
        self.history_changed.emit()

    def add_point(self, x1: float, x2: float, label: Any = None) -> bool:
        """Add one point (data coordinates); False when the point limit is reached."""
        if len(self._points) >= self.max_points:
            if not self._limit_told:
                self.message.emit(f"At most {self.max_points} painted points; erase some "
                                  "to add more.")
                self._limit_told = True
            return False
        self._points.append([_tidy(x1), _tidy(x2), self.label if label is None else label])
        return True

    def erase_near(self, x1: float, x2: float, radius_px: float | None = None) -> int:
        """Remove the points within ``radius_px`` screen pixels of (x1, x2); returns how many."""
        if not self._points:
            return 0
        px, py = self._pixel_size()
        r = self.erase_radius if radius_px is None else radius_px
        xy = np.array([[p[0], p[1]] for p in self._points])
        d2 = ((xy[:, 0] - x1) / px) ** 2 + ((xy[:, 1] - x2) / py) ** 2
        keep = d2 > r * r
        removed = int(len(keep) - keep.sum())
        if removed:
            self._points = [p for p, k in zip(self._points, keep) if k]
            self._limit_told = False
        return removed

    def spray(self, x1: float, x2: float) -> int:
        """Add ``spray_count`` points scattered (seeded normal jitter, within
        ``spray_radius`` pixels) around (x1, x2); returns how many were added."""
        px, py = self._pixel_size()
        offsets = self._rng.normal(0.0, self.spray_radius / 2.0, size=(self.spray_count, 2))
        norms = np.hypot(offsets[:, 0], offsets[:, 1])
        too_far = norms > self.spray_radius
        offsets[too_far] *= (self.spray_radius / norms[too_far])[:, None]
        added = 0
        for dx, dy in offsets:
            if not self.add_point(x1 + dx * px, x2 - dy * py):
                break
            added += 1
        return added

    def _pixel_size(self) -> tuple[float, float]:
        """Data units per screen pixel along x and y."""
        px, py = self.vb.viewPixelSize()
        return (abs(px) or 1e-3), (abs(py) or 1e-3)

    # --- drawing ---------------------------------------------------------------------------
    def _redraw(self) -> None:
        if not self._points:
            self.scatter.setData([])
            return
        xy = np.array([[p[0], p[1]] for p in self._points])
        if self._task == "classes":
            brushes = [pg.mkBrush(style.class_color(int(p[2]))) for p in self._points]
        else:
            brushes = [pg.mkBrush(value_color(p[2])) for p in self._points]
        self.scatter.setData(pos=xy, brush=brushes, pen=pg.mkPen("#ffffff", width=1.2),
                             size=SPOT_SIZE)

    def set_overlay_visible(self, visible: bool) -> None:
        self.scatter.setVisible(visible)

    def detach(self) -> None:
        """Stop listening to the plot and remove the painted points from it."""
        self._scene.removeEventFilter(self)
        self.plot.removeItem(self.scatter)
        self._scene.removeItem(self.cursor_ring)
        for view in self._scene.views():
            view.viewport().unsetCursor()

    # --- mouse -----------------------------------------------------------------------------
    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if self._mode == "navigate":
            return False
        kind = event.type()
        if kind == QEvent.Type.GraphicsSceneMousePress:
            if event.button() != Qt.MouseButton.LeftButton:
                return False
            pos = event.scenePos()
            if not self.vb.sceneBoundingRect().contains(pos):
                return False
            self._stroke = self.points()
            self._last_pos = None
            self._act(pos, first=True)
            event.accept()
            return True
        if kind == QEvent.Type.GraphicsSceneMouseMove:
            pos = event.scenePos()
            self._show_ring(pos)
            if self._stroke is not None and event.buttons() & Qt.MouseButton.LeftButton:
                if self.vb.sceneBoundingRect().contains(pos):
                    self._act(pos, first=False)
                event.accept()
                return True
            return False
        if kind == QEvent.Type.GraphicsSceneMouseRelease:
            if self._stroke is not None and event.button() == Qt.MouseButton.LeftButton:
                self._end_stroke()
                event.accept()
                return True
            return False
        if kind in (QEvent.Type.GraphicsSceneMouseDoubleClick,):
            # a quick second click adds/erases again instead of pyqtgraph's auto-range
            if event.button() == Qt.MouseButton.LeftButton and \
                    self.vb.sceneBoundingRect().contains(event.scenePos()):
                self._stroke = self.points()
                self._last_pos = None
                self._act(event.scenePos(), first=True)
                event.accept()
                return True
        if kind == QEvent.Type.GraphicsSceneLeave:
            self.cursor_ring.setVisible(False)
        return False

    def _act(self, scene_pos: QtCore.QPointF, first: bool) -> None:
        if not first and self._last_pos is not None:
            moved = math.hypot(scene_pos.x() - self._last_pos.x(),
                               scene_pos.y() - self._last_pos.y())
            spacing = {"add": self.trail_spacing, "spray": self.spray_spacing}.get(self._mode, 0)
            if moved < spacing:
                return
        p = self.vb.mapSceneToView(scene_pos)
        x1, x2 = float(p.x()), float(p.y())
        if self._mode == "add":
            changed = self.add_point(x1, x2)
        elif self._mode == "spray":
            changed = self.spray(x1, x2) > 0
        else:
            changed = self.erase_near(x1, x2) > 0
        self._last_pos = QtCore.QPointF(scene_pos)
        if changed:
            self._redraw()

    def _end_stroke(self) -> None:
        if self._stroke is None:
            return
        before, self._stroke = self._stroke, None
        if before != self._points:
            self._push_undo(before)
            self.points_changed.emit()

    def _show_ring(self, scene_pos: QtCore.QPointF) -> None:
        radius = {"spray": self.spray_radius, "erase": self.erase_radius}.get(self._mode)
        inside = self.vb.sceneBoundingRect().contains(scene_pos)
        if radius is None or not inside:
            self.cursor_ring.setVisible(False)
            return
        self.cursor_ring.setRect(scene_pos.x() - radius, scene_pos.y() - radius,
                                 2 * radius, 2 * radius)
        self.cursor_ring.setVisible(True)


def _class_icon(index: int, size: int = 14) -> QtGui.QIcon:
    pix = QtGui.QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pix)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setBrush(QtGui.QColor(style.class_color(index)))
    painter.setPen(QtGui.QPen(QtGui.QColor("#ffffff"), 1.2))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QtGui.QIcon(pix)


class PaintToolbar(QtWidgets.QWidget):
    """Mode buttons, the class (or value) to paint, undo/redo/clear and a point count."""

    def __init__(self, controller: PaintController,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._classes_shown = 2

        self.mode_buttons: dict[str, QtWidgets.QToolButton] = {}
        mode_group = QtWidgets.QButtonGroup(self)
        mode_group.setExclusive(True)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(3)
        title = QtWidgets.QLabel("Paint data")
        set_label_font(title, 9.0, bold=True, color_=style.TEXT)
        layout.addWidget(title)
        layout.addSpacing(6)
        for mode in MODES:
            button = QtWidgets.QToolButton()
            button.setText(MODE_TITLES[mode])
            button.setToolTip(MODE_TIPS[mode])
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, m=mode: controller.set_mode(m))
            mode_group.addButton(button)
            layout.addWidget(button)
            self.mode_buttons[mode] = button
        layout.addWidget(self._separator())

        self.task_box = QtWidgets.QComboBox()
        self.task_box.addItem("Classes", "classes")
        self.task_box.addItem("Values", "values")
        self.task_box.setToolTip("Paint points of classes (classification) or with a number "
                                 "(regression).")
        self.task_box.currentIndexChanged.connect(
            lambda _: controller.set_task(self.task_box.currentData()))
        layout.addWidget(self.task_box)

        self.class_area = QtWidgets.QWidget()
        class_layout = QtWidgets.QHBoxLayout(self.class_area)
        class_layout.setContentsMargins(0, 0, 0, 0)
        class_layout.setSpacing(2)
        self.class_group = QtWidgets.QButtonGroup(self)
        self.class_group.setExclusive(True)
        self.class_buttons: list[QtWidgets.QToolButton] = []
        for i in range(MAX_CLASSES):
            button = QtWidgets.QToolButton()
            button.setIcon(_class_icon(i))
            button.setText(str(i))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setCheckable(True)
            button.setToolTip(f"Paint points of class {i}")
            button.clicked.connect(lambda _=False, c=i: controller.set_class(c))
            self.class_group.addButton(button)
            class_layout.addWidget(button)
            self.class_buttons.append(button)
        self.more_button = QtWidgets.QToolButton()
        self.more_button.setText("+")
        self.more_button.setToolTip("Another class")
        self.more_button.clicked.connect(self._more_classes)
        class_layout.addWidget(self.more_button)
        layout.addWidget(self.class_area)

        self.value_area = QtWidgets.QWidget()
        value_layout = QtWidgets.QHBoxLayout(self.value_area)
        value_layout.setContentsMargins(0, 0, 0, 0)
        value_layout.addWidget(QtWidgets.QLabel("value"))
        self.value_box = QtWidgets.QDoubleSpinBox()
        self.value_box.setRange(-1e6, 1e6)
        self.value_box.setDecimals(2)
        self.value_box.setSingleStep(0.1)
        self.value_box.setValue(1.0)
        self.value_box.setToolTip("The number a new point carries (orange below 0, blue "
                                  "above).")
        self.value_box.valueChanged.connect(controller.set_value)
        value_layout.addWidget(self.value_box)
        layout.addWidget(self.value_area)
        layout.addWidget(self._separator())

        self.undo_button = QtWidgets.QToolButton()
        self.undo_button.setText("Undo")
        self.undo_button.clicked.connect(controller.undo)
        self.redo_button = QtWidgets.QToolButton()
        self.redo_button.setText("Redo")
        self.redo_button.clicked.connect(controller.redo)
        self.clear_button = QtWidgets.QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setToolTip("Remove every painted point (undo brings them back).")
        self.clear_button.clicked.connect(controller.clear)
        for button in (self.undo_button, self.redo_button, self.clear_button):
            layout.addWidget(button)
        self.count_label = QtWidgets.QLabel()
        set_label_font(self.count_label, 8.5, color_=MUTED_TEXT)
        layout.addSpacing(6)
        layout.addWidget(self.count_label)
        layout.addStretch(1)

        controller.mode_changed.connect(self._sync)
        controller.label_changed.connect(self._sync)
        controller.history_changed.connect(self._sync)
        controller.points_changed.connect(self._sync)
        self._sync()

    @staticmethod
    def _separator() -> QtWidgets.QFrame:
        line = QtWidgets.QFrame()
        line.setFrameShape(QtWidgets.QFrame.Shape.VLine)
        line.setStyleSheet(f"color: {style.BORDER};")
        return line

    def _more_classes(self) -> None:
        self._classes_shown = min(MAX_CLASSES, self._classes_shown + 1)
        self.controller.set_class(self._classes_shown - 1)

    def _sync(self, *_: Any) -> None:
        c = self.controller
        self.mode_buttons[c.mode].setChecked(True)
        classes = c.task == "classes"
        self.task_box.blockSignals(True)
        self.task_box.setCurrentIndex(0 if classes else 1)
        self.task_box.blockSignals(False)
        self.class_area.setVisible(classes)
        self.value_area.setVisible(not classes)
        used = c.classes_used()
        self._classes_shown = max(self._classes_shown, (max(used) + 1) if used else 0,
                                  (int(c.label) + 1) if classes else 0, 2)
        for i, button in enumerate(self.class_buttons):
            button.setVisible(i < self._classes_shown)
        self.more_button.setEnabled(self._classes_shown < MAX_CLASSES)
        if classes:
            self.class_buttons[int(c.label)].setChecked(True)
        else:
            self.value_box.blockSignals(True)
            self.value_box.setValue(float(c.label))
            self.value_box.blockSignals(False)
        self.undo_button.setEnabled(c.can_undo())
        self.redo_button.setEnabled(c.can_redo())
        n = len(c.points())
        self.clear_button.setEnabled(n > 0)
        self.count_label.setText(f"{n} point{'s' if n != 1 else ''}")


__all__ = ["MODES", "PaintController", "PaintToolbar", "value_color"]
