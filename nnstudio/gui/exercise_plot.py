"""The exercise plot: points, the decision line w·x + b = 0 and its output-1 side.

The line can be dragged to move it (or by its square handle) and turned by its round
handle; every drag emits ``line_dragged(w1, w2, b)``. The geometry is the engine's.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsPolygonItem, QLabel, QVBoxLayout, QWidget

from nnstudio.engine.perceptron import (
    closest_point_on_line,
    half_plane_polygon,
    has_line,
    line_angle,
    line_equation,
    rotate_line,
    rotation_handle,
    translate_line,
)
from nnstudio.gui import qtfix, style

qtfix.install()  # PySide6 6.12 on Python < 3.12 (see qtfix); a no-op elsewhere

CLASS1 = style.class_color(1)
CLASS0 = style.class_color(0)
WRONG = "#d62728"
HIGHLIGHT = "#f5b700"
SHADE = QColor(CLASS1)
SHADE.setAlpha(36)
DRAG_DECIMALS = 2


class DecisionPlot(QWidget):
    """Scatter plot of a two-input exercise with a draggable decision line."""

    line_dragged = Signal(float, float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._weights: tuple[float, float] = (1.0, 1.0)
        self._bias = 0.0
        self._points: list[tuple[float, float]] = []
        self._targets: list[int] = []
        self._correct: list[bool] = []
        self._center = (0.0, 0.0)
        self._span = 1.0
        self._pivot = (0.0, 0.0)
        self._norm = 1.0
        self._backward = False
        self._placing = False
        self._labels: list[pg.TextItem] = []

        self.equation = QLabel()
        self.equation.setObjectName("equation")
        self.equation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.widget = pg.PlotWidget(background="w")
        self.widget.setMinimumSize(320, 300)
        item = self.widget.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.2)
        self.view = item.getViewBox()
        self.view.setMouseEnabled(x=False, y=False)
        self.view.setAspectLocked(True)
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen(pg.mkPen("#555"))
            axis.setTextPen(pg.mkPen("#333"))

        self.shade = QGraphicsPolygonItem()
        self.shade.setBrush(QBrush(SHADE))
        self.shade.setPen(QPen(Qt.PenStyle.NoPen))
        self.shade.setZValue(-10)
        self.widget.addItem(self.shade)

        self.line = pg.InfiniteLine(
            angle=0,
            movable=True,
            pen=pg.mkPen("#222222", width=3),
            hoverPen=pg.mkPen(WRONG, width=5),
        )
        self.line.setZValue(5)
        self.line.setToolTip("Drag the line to move it")
        self.widget.addItem(self.line)

        handle_pen = pg.mkPen("#222222", width=2)
        self.move_handle = pg.TargetItem(
            size=13, symbol="s", pen=handle_pen, brush="w", hoverBrush="#ffe082",
            label="move", labelOpts={"color": "#444", "offset": (8, 8)},
        )  # fmt: skip
        self.rotate_handle = pg.TargetItem(
            size=17, symbol="o", pen=handle_pen, brush="w", hoverBrush="#ffe082",
            label="turn", labelOpts={"color": "#444", "offset": (10, -10)},
        )  # fmt: skip
        for handle in (self.move_handle, self.rotate_handle):
            handle.setZValue(20)
            self.widget.addItem(handle)

        self.scatter = pg.ScatterPlotItem(size=17, pxMode=True)
        self.scatter.setZValue(10)
        self.widget.addItem(self.scatter)
        self.marker = pg.ScatterPlotItem(
            size=34, pxMode=True, symbol="o", pen=pg.mkPen(HIGHLIGHT, width=4), brush=None
        )
        self.marker.setZValue(9)
        self.widget.addItem(self.marker)

        self.legend = QLabel(
            f"<span style='color:{CLASS1}'>●</span> target 1 &nbsp;&nbsp;"
            f"<span style='color:{CLASS0}'>■</span> target 0 &nbsp;&nbsp;"
            f"<span style='color:{WRONG}'>◯</span> wrong output &nbsp;&nbsp;"
            "<span style='background:rgba(8,119,189,0.16)'>&nbsp;shaded&nbsp;</span>"
            " output-1 side"
        )
        self.legend.setObjectName("legend")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.equation)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.legend)

        self.view.sigRangeChanged.connect(self._range_changed)
        self.line.sigPositionChanged.connect(self._line_moved)
        self.line.sigPositionChangeFinished.connect(lambda *_: self._place_items())
        self.move_handle.sigPositionChanged.connect(self._move_handle_moved)
        self.move_handle.sigPositionChangeFinished.connect(lambda *_: self._place_items())
        self.rotate_handle.sigPositionChanged.connect(self._rotate_handle_moved)
        self.rotate_handle.sigPositionChangeFinished.connect(lambda *_: self._place_items())

    # -- data --------------------------------------------------------------------------------
    def set_points(
        self, points: Sequence[Sequence[float]], targets: Sequence[int], names=("x1", "x2")
    ) -> None:
        """Show a new point set (two inputs each) and fit the view around it."""
        self._points = [(float(p[0]), float(p[1])) for p in points]
        self._targets = [int(t) for t in targets]
        self._correct = [True] * len(self._points)
        xs = [p[0] for p in self._points]
        ys = [p[1] for p in self._points]
        span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
        pad = max(0.5, 0.25 * span)
        self._center = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
        self._span = span + 2 * pad
        item = self.widget.getPlotItem()
        item.setLabel("bottom", names[0])
        item.setLabel("left", names[1])
        self.view.setRange(
            xRange=(min(xs) - pad, max(xs) + pad), yRange=(min(ys) - pad, max(ys) + pad), padding=0
        )
        for label in self._labels:
            self.widget.removeItem(label)
        self._labels = []
        for i, (x, y) in enumerate(self._points):
            label = pg.TextItem(str(i + 1), color="#555", anchor=(-0.5, 1.2))
            label.setPos(x, y)
            label.setZValue(11)
            self.widget.addItem(label)
            self._labels.append(label)
        self.highlight(None)
        self._draw_points()
        self._place_items()

    def set_correct(self, correct: Sequence[bool]) -> None:
        """Ring the points whose output does not match the target."""
        self._correct = list(correct)
        self._draw_points()

    def highlight(self, row: int | None) -> None:
        """Mark the point the learning rule just visited (None clears it)."""
        if row is None or not 0 <= row < len(self._points):
            self.marker.setData([], [])
        else:
            x, y = self._points[row]
            self.marker.setData([x], [y])

    def set_line(self, weights: Sequence[float], bias: float) -> None:
        """Draw the line w1·x1 + w2·x2 + b = 0 and shade the output-1 side."""
        self._weights = (float(weights[0]), float(weights[1]))
        self._bias = float(bias)
        self.equation.setText(f"Decision line: <b>{line_equation(self._weights, self._bias)}</b>")
        self._place_items()

    @property
    def pivot(self) -> tuple[float, float]:
        """The point the round handle turns the line around."""
        return self._pivot

    # -- drawing -----------------------------------------------------------------------------
    def _draw_points(self) -> None:
        spots = []
        for i, ((x, y), t) in enumerate(zip(self._points, self._targets)):
            ok = self._correct[i] if i < len(self._correct) else True
            spots.append(
                {
                    "pos": (x, y),
                    "symbol": "o" if t == 1 else "s",
                    "brush": pg.mkBrush(CLASS1 if t == 1 else CLASS0),
                    "pen": pg.mkPen("w", width=1.5) if ok else pg.mkPen(WRONG, width=3.5),
                    "size": 17 if ok else 21,
                    "data": i,
                }
            )
        self.scatter.setData(spots)

    def _box(self) -> tuple[float, float, float, float]:
        cx, cy = self._center
        r = 20 * self._span
        return cx - r, cx + r, cy - r, cy + r

    def _place_items(self) -> None:
        self._placing = True
        try:
            polygon = half_plane_polygon(self._weights, self._bias, self._box())
            self.shade.setPolygon(QPolygonF([QPointF(x, y) for x, y in polygon]))
            visible = has_line(self._weights)
            for it in (self.line, self.move_handle, self.rotate_handle):
                it.setVisible(visible)
            if not visible:
                self.equation.setText(
                    "w1 = w2 = 0: there is no line — S = b is the same for every point"
                )
                return
            rotating = self.rotate_handle.moving
            if not rotating:
                self._pivot = closest_point_on_line(self._weights, self._bias, self._center)
                self._norm = (self._weights[0] ** 2 + self._weights[1] ** 2) ** 0.5
            self.line.setAngle(line_angle(self._weights))
            if not self.line.moving:
                self.line.setPos(QPointF(*self._pivot))
            if not self.move_handle.moving:
                self.move_handle.setPos(QPointF(*self._pivot))
            if not rotating:
                (x0, x1), (y0, y1) = self.view.viewRange()
                mx, my = 0.06 * (x1 - x0), 0.06 * (y1 - y0)
                handle, self._backward = rotation_handle(
                    self._weights,
                    self._pivot,
                    [f * self._span for f in (0.25, 0.3, 0.35, 0.4, 0.45, 0.5)],
                    self._points,
                    (x0 + mx, x1 - mx, y0 + my, y1 - my),
                )
                self.rotate_handle.setPos(QPointF(*handle))
        finally:
            self._placing = False

    def _range_changed(self, *_args) -> None:
        if not (self.line.moving or self.move_handle.moving or self.rotate_handle.moving):
            self._place_items()  # keep the turning handle inside the (resized) view

    # -- dragging ----------------------------------------------------------------------------
    def _translate_to(self, x: float, y: float) -> None:
        if not has_line(self._weights):
            return
        bias = translate_line(self._weights, (x, y), DRAG_DECIMALS)
        if bias != self._bias:
            self.line_dragged.emit(self._weights[0], self._weights[1], bias)

    def _line_moved(self, *_args) -> None:
        if not self._placing:
            pos = self.line.pos()
            self._translate_to(pos.x(), pos.y())

    def _move_handle_moved(self, *_args) -> None:
        if not self._placing:
            pos = self.move_handle.pos()
            self._translate_to(pos.x(), pos.y())

    def _rotate_handle_moved(self, *_args) -> None:
        if self._placing or not has_line(self._weights):
            return
        pos = self.rotate_handle.pos()
        turned = rotate_line(
            self._weights,
            self._pivot,
            (pos.x(), pos.y()),
            self._norm,
            DRAG_DECIMALS,
            backward=self._backward,
        )
        if turned is None:
            return
        (w1, w2), bias = turned
        if (w1, w2) == (0.0, 0.0):
            return
        if (w1, w2, bias) != (*self._weights, self._bias):
            self.line_dragged.emit(w1, w2, bias)


class SumBars(QWidget):
    """For more than two inputs: one bar per row showing S; output 1 above the line S = 0."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setObjectName("equation")
        self.caption.setWordWrap(True)
        self.widget = pg.PlotWidget(background="w")
        item = self.widget.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=False, y=True, alpha=0.2)
        item.setMouseEnabled(x=False, y=False)
        item.setLabel("left", "S = w·x + b")
        item.setLabel("bottom", "row (inputs)")
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen(pg.mkPen("#555"))
            axis.setTextPen(pg.mkPen("#333"))
        self.zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#222222", width=2))
        self.widget.addItem(self.zero)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.6)
        self.widget.addItem(self.bars)
        self.legend = QLabel(
            f"<span style='color:{CLASS1}'>■</span> target 1 (needs S &gt; 0) &nbsp;&nbsp;"
            f"<span style='color:{CLASS0}'>■</span> target 0 (needs S ≤ 0) &nbsp;&nbsp;"
            f"<span style='color:{WRONG}'>□</span> wrong output"
        )
        self.legend.setObjectName("legend")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.legend)

    def set_rows(self, rows, n_inputs: int) -> None:
        """Draw S for each row (``rows`` are the engine's RowCheck records)."""
        xs = [r.index + 1 for r in rows]
        heights = [r.s for r in rows]
        brushes = [pg.mkBrush(CLASS1 if r.target == 1 else CLASS0) for r in rows]
        pens = [pg.mkPen(WRONG, width=3) if not r.correct else pg.mkPen("w") for r in rows]
        self.bars.setOpts(x=xs, height=heights, width=0.6, brushes=brushes, pens=pens)
        ticks = [(r.index + 1, "(" + ",".join(f"{v:g}" for v in r.x) + ")") for r in rows]
        self.widget.getPlotItem().getAxis("bottom").setTicks([ticks])
        top = max([0.5, *(abs(h) for h in heights)]) * 1.2
        self.widget.getPlotItem().getViewBox().setRange(
            xRange=(0.4, len(rows) + 0.6), yRange=(-top, top), padding=0
        )
        self.caption.setText(
            f"{n_inputs} inputs: the boundary is not a line in a plane, so here is <b>S for "
            "every row</b> — a bar above the black line S = 0 means output 1."
        )
