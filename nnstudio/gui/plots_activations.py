"""ActivationPlot: how each layer's activations are distributed, over training time.

One small plot per layer (shared step axis): the 5–95 and 25–75 percentile bands filled
and the median as a line, coloured by depth. Beside each plot the layer's name and, for
saturating activations (sigmoid, tanh), the fraction of saturated values; for rectifiers
(ReLU) the fraction of dead units — the two ways a layer stops learning.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from nnstudio.gui import style
from nnstudio.gui.plots_common import (
    AXIS_COLOR,
    MUTED_TEXT,
    TEXT_COLOR,
    BoundedHistory,
    FitLabel,
    PlotHint,
    StepAxis,
    Throttle,
    bin_means,
    cache_axis,
    color,
    depth_colors,
    follow_x,
    format_sci,
    graphics_view,
    header_row,
    refit_layout,
    stack,
    style_plot,
    title_label,
)

#: The worker measures activation statistics up to ~200 times a second (see worker.py):
#: 4000 samples are the first 20 s at that rate (or a whole short run), and older history is
#: averaged, not dropped.
ACT_CAPACITY = 4_000
_N_PCT = 5  # 5, 25, 50, 75, 95
#: the key to the bands in the header, shorter wordings after the complete one
LEGEND_TEXTS = ("median · 50 % · 90 %", "median · 50 · 90 %", "")
#: the step axis of an empty plot
EMPTY_STEPS = 100
#: fixed y ranges make saturation visible (bands pressed against the limits)
_FIXED_RANGE = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "step": (0.0, 1.0),
                "tanh": (-1.0, 1.0)}
_WARN = "#d93025"
_CAUTION = style.TEST_COLOR
LABEL_WIDTH = 128


def _short(v: float) -> str:
    return f"{v:.2g}" if abs(v) < 100 else format_sci(v)


def _style_axis(axis: pg.AxisItem) -> None:
    axis.setPen(pg.mkPen(AXIS_COLOR))
    axis.setTextPen(pg.mkPen(TEXT_COLOR))
    font = QtGui.QFont()
    font.setPointSizeF(7.0)
    axis.setStyle(tickFont=font, tickTextOffset=2)
    axis.enableAutoSIPrefix(False)
    cache_axis(axis)


def _band(x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> QtGui.QPainterPath:
    """A closed polygon between two curves (gaps where either is NaN are bridged)."""
    ok = np.isfinite(lower) & np.isfinite(upper)
    if ok.sum() < 2:
        return QtGui.QPainterPath()
    x, lower, upper = x[ok], lower[ok], upper[ok]
    path = pg.arrayToQPath(np.concatenate([x, x[::-1]]), np.concatenate([upper, lower[::-1]]),
                           connect="all")
    path.closeSubpath()
    return path


def _line(x: np.ndarray, y: np.ndarray) -> QtGui.QPainterPath:
    """A polyline through the finite points (NaNs leave gaps)."""
    if len(x) < 2:
        return QtGui.QPainterPath()
    return pg.arrayToQPath(x, y, connect="finite")


def _path_item(pen: Any = None, brush: Any = None) -> QtWidgets.QGraphicsPathItem:
    item = QtWidgets.QGraphicsPathItem()
    item.setPen(pg.mkPen(None) if pen is None else pen)
    if brush is not None:
        item.setBrush(brush)
    return item


#: room above and below a row's value range (a share of the range): half a tick label
_PADDING = 0.16


class _LayerRow:
    """The items of one layer: a label, a small plot, three curves and two bands."""

    def __init__(self, name: str, activation: str | None, c: Any, is_output: bool = False) -> None:
        self.name = name
        # a classifier's output saturates when it is confident: no warning colour there
        self.is_output = is_output
        self.activation = activation or ""
        self.label = pg.LabelItem("", justify="right")
        self.label.setFixedWidth(LABEL_WIDTH)
        self.label.item.document().setDocumentMargin(0)
        self.plot = pg.PlotItem()
        style_plot(self.plot, grid=False, font_pt=7.0)
        self.plot.showGrid(x=False, y=False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.vb.enableAutoRange(x=False, y=False)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        # a standalone axis in its own layout column, so every plot's view lines up with the
        # single shared step axis under the last row
        self.y_axis = pg.AxisItem("left", linkView=self.plot.vb)
        _style_axis(self.y_axis)
        self.y_axis.setWidth(28)
        self.y_axis.setStyle(tickLength=0, hideOverlappingLabels=False)
        self.plot.setMinimumHeight(16)
        self.plot.layout.setContentsMargins(0, 1, 0, 1)
        # the bands and the median are plain Qt path items (rebuilt per snapshot from the
        # averaged history): much cheaper than FillBetweenItem and PlotDataItem
        self.outer = _path_item(brush=pg.mkBrush(color(c, 50)))
        self.inner = _path_item(brush=pg.mkBrush(color(c, 120)))
        self.median = _path_item(pen=pg.mkPen(c, width=1))
        for item in (self.outer, self.inner, self.median):
            self.plot.addItem(item)
        self.median.setZValue(5)
        self.median_data: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))
        # the value range's edges as dotted lines across the row, in the view's own pixel
        # coordinates (re-placed only when the row is resized or its y range changes)
        self.edges = _path_item(pen=pg.mkPen(color(AXIS_COLOR, 90), width=1,
                                             style=QtCore.Qt.PenStyle.DotLine))
        self.edges.setParentItem(self.plot.vb)
        self.edges.setZValue(-5)
        self._edge_values = (math.nan, math.nan)
        self.plot.vb.sigResized.connect(self._place_edges)
        self.plot.vb.sigYRangeChanged.connect(self._place_edges)
        self._auto_range: tuple[float, float] | None = None
        fixed = _FIXED_RANGE.get(self.activation)
        self.fixed_range = fixed is not None
        if fixed is not None:
            lo, hi = fixed
            self.plot.setYRange(lo, hi, padding=_PADDING)
            self._set_range_labels(lo, hi)
        self.text = ""
        self.set_fraction(math.nan, math.nan)

    def update(self, x: np.ndarray, p: np.ndarray) -> None:
        """Redraw: ``p`` is ``(n, 5)`` percentiles at steps ``x`` (already averaged down to
        about the plot's width)."""
        self.median_data = (x, p[:, 2])
        self.median.setPath(_line(x, p[:, 2]))
        self.outer.setPath(_band(x, p[:, 0], p[:, 4]))
        self.inner.setPath(_band(x, p[:, 1], p[:, 3]))
        if not self.fixed_range and len(x):
            with np.errstate(invalid="ignore"):
                lo, hi = float(np.nanmin(p[:, 0])), float(np.nanmax(p[:, 4]))
            if math.isfinite(lo) and math.isfinite(hi):
                self._fit_range(lo, hi)

    def _fit_range(self, lo: float, hi: float) -> None:
        """Follow the data's range for unbounded activations (ReLU, linear), without
        redrawing the axis for every tiny change."""
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        old = self._auto_range
        span = hi - lo
        if old is not None and abs(old[0] - lo) < 0.05 * span and abs(old[1] - hi) < 0.05 * span:
            return
        self._auto_range = (lo, hi)
        self.plot.setYRange(lo, hi, padding=_PADDING)
        self._set_range_labels(lo, hi)

    def _set_range_labels(self, lo: float, hi: float) -> None:
        """The row's value range as two labels level with its dotted edge lines (the view's
        padding leaves room for half a label beyond each line, so neighbouring rows' labels
        do not collide)."""
        self.y_axis.setTicks([[(lo, _short(lo)), (hi, _short(hi))]])
        self._edge_values = (lo, hi)
        self._place_edges()

    def _place_edges(self, *_: Any) -> None:
        vb = self.plot.vb
        rect = vb.boundingRect()
        path = QtGui.QPainterPath()
        for value in self._edge_values:
            if math.isfinite(value):
                y = vb.mapFromView(QtCore.QPointF(0.0, value)).y()
                path.moveTo(rect.left(), y)
                path.lineTo(rect.right(), y)
        self.edges.setPath(path)

    def set_fraction(self, saturated: float, dead: float) -> None:
        head = (f"<b>{self.name}</b>" + (f" ({self.activation})" if self.activation else ""))
        plain = head.replace("<b>", "").replace("</b>", "")
        if math.isfinite(saturated):
            value, word = saturated, "saturated"
        elif math.isfinite(dead):
            value, word = dead, "dead"
        else:
            value, word = math.nan, ""
        if word:
            shade = (MUTED_TEXT if self.is_output or value < 0.2
                     else _WARN if value >= 0.5 else _CAUTION)
            pct = f"{100 * value:.0f} % {word}"
            html = (f"<span style='color:{TEXT_COLOR}'>{head}</span><br>"
                    f"<span style='color:{shade}'>{pct}</span>")
            plain = f"{plain} — {pct}"
        else:
            html = f"<span style='color:{TEXT_COLOR}'>{head}</span>"
        if plain != self.text:
            self.text = plain
            self.label.setText(html, size="7.5pt")


class ActivationPlot(QtWidgets.QWidget):
    """Per-layer activation percentiles over steps; ``reset(context)`` then ``append(snapshot)``."""

    def __init__(self, parent: QtWidgets.QWidget | None = None,
                 capacity: int = ACT_CAPACITY) -> None:
        super().__init__(parent)
        self._capacity = capacity
        self._history = BoundedHistory(_N_PCT, capacity)
        self._first_step = math.inf
        self.rows: list[_LayerRow] = []
        self.x_axis: pg.AxisItem | None = None

        self._last_step = -math.inf
        self._last_act: Any = None  # the statistics drawn last (to recognise a repeat)
        self._label_throttle = Throttle(self)
        self.title = title_label(
            "Activations per layer",
            "For every layer: the median activation (line), the middle half of the values "
            "(dark band) and 90 % of them (light band), over the training steps.")
        # the key to the bands, right-aligned; dropped whole (never cut) when the title
        # leaves no room for it: the title's tooltip says the same
        self.legend_text = FitLabel(8.0, muted=True, align_right=True)
        self.legend_text.set_base_tooltip(self.title.toolTip())
        self.legend_text.set_texts(*LEGEND_TEXTS)
        self.graphics = graphics_view(margins=(2, 4, 8, 2))
        stack(self, header_row(self.title, self.legend_text), self.graphics)
        self.hint = PlotHint(self.graphics)
        self.setMinimumSize(240, 160)

    # --- contract ------------------------------------------------------------------------
    def reset(self, context: Any) -> None:
        """One row per layer (rebuilt only when the layers change); history cleared."""
        names = list(getattr(context, "layer_names", []) or [])
        acts = list(getattr(context, "activations", []) or [])
        acts += [None] * (len(names) - len(acts))
        self.graphics.ci.clear()
        colors = depth_colors(len(names))
        self.rows = [_LayerRow(nm, a, c, is_output=i == len(names) - 1)
                     for i, (nm, a, c) in enumerate(zip(names, acts, colors))]
        for i, row in enumerate(self.rows):
            self.graphics.ci.addItem(row.label, row=i, col=0)
            self.graphics.ci.addItem(row.y_axis, row=i, col=1)
            self.graphics.ci.addItem(row.plot, row=i, col=2)
            if i:
                row.plot.setXLink(self.rows[0].plot)
        if self.rows:
            # one shared step axis under the last row, so every row's plot is the same height
            self.x_axis = StepAxis("bottom", linkView=self.rows[0].plot.vb)
            _style_axis(self.x_axis)
            self.graphics.ci.addItem(self.x_axis, row=len(self.rows), col=2)
            # before the first statistics: whole steps on the axis, not 0.2, 0.4 ...
            self.rows[0].plot.setXRange(0, EMPTY_STEPS, padding=0)
        grid = self.graphics.ci.layout
        for col, stretch in ((0, 0), (1, 0), (2, 1)):
            grid.setColumnStretchFactor(col, stretch)
        refit_layout(self.graphics)
        self._history = BoundedHistory(_N_PCT * max(len(self.rows), 1), self._capacity)
        self._first_step = math.inf
        self._last_step = -math.inf
        self._last_act = None
        self._label_throttle.cancel()
        self.hint.show()

    def append(self, snapshot: Any) -> None:
        """Add the snapshot's activation statistics (if it carries any) and redraw: every
        measurement in ``act_steps``/``act_percentiles``, else ``act`` at the snapshot's
        step."""
        act = getattr(snapshot, "act", None)
        n = len(self.rows)
        if n == 0:
            return
        # the step axis starts where training started (as in the other plots)
        steps = getattr(snapshot, "steps", None)
        if steps is not None and len(steps):
            self._first_step = min(self._first_step, float(steps[0]))
        logged = np.asarray(getattr(snapshot, "act_steps", ()), dtype=np.float64).reshape(-1)
        if len(logged):
            pct = np.asarray(getattr(snapshot, "act_percentiles", ()), dtype=np.float64)
            if pct.shape != (len(logged), n, _N_PCT):
                return
            added = self._add(logged, pct.reshape(len(logged), -1))
        else:
            if act is None or act is self._last_act:
                # nothing measured since the last snapshot: the worker sends the latest
                # statistics it has with every snapshot, but they describe the step where
                # they first came, not this one: nothing new to draw
                return
            pct = np.asarray(act.percentiles, dtype=np.float64)
            if pct.shape != (n, _N_PCT):
                return
            step = float(getattr(snapshot, "step", 0) or 0)
            added = self._add(np.array([step]), pct.reshape(1, -1))
        if act is not None and act is not self._last_act:
            self._last_act = act
            self._show_fractions(act, bool(getattr(snapshot, "running", False)))
        if not added:
            return
        self.hint.hide()
        x, y = self._drawn_history()
        for i, row in enumerate(self.rows):
            row.update(x, y[:, i * _N_PCT:(i + 1) * _N_PCT])
        follow_x(self.rows[0].plot, float(x[0]), float(x[-1]),
                 linked=[row.plot for row in self.rows[1:]],
                 running=bool(getattr(snapshot, "running", False)))

    def _show_fractions(self, act: Any, running: bool) -> None:
        """The latest saturated / dead fractions beside the rows."""
        saturated = np.asarray(act.saturated, dtype=np.float64).reshape(-1)
        dead = np.asarray(act.dead, dtype=np.float64).reshape(-1)
        if len(saturated) != len(self.rows) or len(dead) != len(self.rows):
            return

        def labels() -> None:
            for i, row in enumerate(self.rows):
                row.set_fraction(float(saturated[i]), float(dead[i]))

        # while training the labels are re-typeset a few times a second, not every frame
        self._label_throttle(labels, running)

    def _add(self, x: np.ndarray, y: np.ndarray) -> bool:
        """Append the samples ``y`` (rows) at steps ``x`` to the history: later steps are
        added, a new reading of the newest step replaces it (paused: the whole training
        set's statistics, or after a weight edit), older ones are dropped. Whether the
        history changed."""
        h = self._history
        changed = False
        newer = x > self._last_step
        same = np.flatnonzero(x == self._last_step)
        if len(same) and not newer[:same[-1]].any() and h.replace_last(y[same[-1]]):
            changed = True  # (only when it precedes every later step in the block)
        if newer.any():
            xs, ys = x[newer], y[newer]
            # steps increase within a snapshot; a step that comes twice (a new reading of
            # the same moment) keeps its last reading
            last = np.append(xs[1:] != xs[:-1], True)
            h.extend(xs[last], ys[last])
            self._last_step = float(xs[-1])
            changed = True
        return changed

    def _drawn_history(self) -> tuple[np.ndarray, np.ndarray]:
        """The history averaged down to about one point per pixel of the rows' width, and
        reaching back to the first step of training: statistics arrive with snapshots, so
        the first ones describe a moment after training began; until then the network was
        closest to that first state, which is drawn from the start."""
        h = self._history
        width = self.rows[0].plot.vb.width() if self.rows else 0.0
        x, y = bin_means(h.x, h.y, max(int(width), 150))
        if math.isfinite(self._first_step) and self._first_step < x[0]:
            x = np.concatenate([[self._first_step], x])
            y = np.vstack([y[:1], y])
        elif len(x) == 1:  # a single moment: a short flat band rather than nothing
            x = np.array([x[0], x[0] + 1.0])
            y = np.vstack([y, y])
        return x, y

    # --- for tests ---------------------------------------------------------------------------
    @property
    def row_texts(self) -> list[str]:
        """Each layer's label as plain text, e.g. "Hidden 3 (sigmoid) — 87 % saturated"."""
        return [row.text for row in self.rows]

    @property
    def history_size(self) -> int:
        return self._history.n
