"""GradientPlot: how large each layer's gradient is, over time and now.

Left, mean |dJ/dW| of every layer over the training steps on a log axis, one curve per layer
coloured by depth; right, the current values as horizontal bars on a decade axis, each
labelled with its value. In a deep sigmoid network the first layers sit orders of magnitude
below the output layer: vanishing gradients, made visible.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from nnstudio.gui.plots_common import (
    DEFAULT_CAPACITY,
    BoundedHistory,
    DecadeAxis,
    LogAxis,
    PlotHint,
    Throttle,
    caption_label,
    depth_colors,
    follow_x,
    format_sci,
    graphics_view,
    header_row,
    info_label,
    layer_label,
    make_curve,
    positive_or_nan,
    refit_layout,
    stack,
    style_plot,
    title_label,
)

CAPTION = ("Each curve is one layer's average gradient size. Curves far below the output "
           "layer mean those layers barely learn: vanishing gradients.")


class GradientPlot(QtWidgets.QWidget):
    """Mean |dJ/dW| per layer; ``reset(context)`` then ``append(snapshot)``."""

    def __init__(self, parent: QtWidgets.QWidget | None = None,
                 capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        self._capacity = capacity
        self._history = BoundedHistory(1, capacity)
        self._names: list[str] = []
        self._labels: list[str] = []
        self._colors: list[Any] = []
        self.curves: list[pg.PlotDataItem] = []
        self._current = np.zeros(0)
        self._decades: tuple[int, int] | None = None
        self._side_by_side: bool | None = None

        self._bars_throttle = Throttle(self)
        self.title = title_label(
            "Gradients per layer",
            "Mean |dJ/dW|: the average size of the gradient of the loss with respect to each "
            "layer's weights, i.e. how strongly a training step changes that layer.")
        self.readout = info_label(8.0, rich=True)
        self.graphics = graphics_view(margins=(2, 4, 4, 2), spacing=6)
        self.curve_plot = pg.PlotItem(axisItems={"left": LogAxis("left")})
        style_plot(self.curve_plot, left="mean |dJ/dW|", bottom="step")
        self.curve_plot.setLogMode(y=True)
        self.curve_plot.getAxis("left").setWidth(50)
        # y follows whole decades of the data (set by _fit_y): pyqtgraph's auto-range on
        # mean-downsampled curves can oscillate between two ranges and never settle
        self.curve_plot.vb.enableAutoRange(x=False, y=False)
        self._y_decades: tuple[int, int] | None = None

        self.bar_plot = pg.PlotItem(axisItems={"bottom": DecadeAxis("bottom")})
        style_plot(self.bar_plot, bottom="now (log scale)", grid=False)
        # no grid on the decade axis: an axis drawing a grid may not extend past its ends,
        # and the outer decades' labels, centred on the ends, would be dropped
        self.bar_plot.getAxis("bottom").setStyle(hideOverlappingLabels=False)
        self.bar_plot.showAxis("right")
        # a fixed width: a value label growing by a digit must not re-lay out the plots
        self.bar_plot.getAxis("right").setStyle(tickLength=0)
        self.bar_plot.getAxis("right").setWidth(VALUE_AXIS_WIDTH)
        self.bar_plot.getAxis("left").setStyle(tickLength=0)
        self.bar_plot.vb.invertY(True)
        self.bar_plot.setMouseEnabled(x=False, y=False)
        self.bar_plot.vb.enableAutoRange(False)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.72, width=[], pen=pg.mkPen(None))
        self.bar_plot.addItem(self.bars)

        self.caption = caption_label(CAPTION)
        stack(self, header_row(self.title, self.readout, gap=10), self.graphics, self.caption)
        self.hint = PlotHint(self.graphics)
        self.setMinimumSize(260, 180)
        self._arrange(True)

    # --- contract ------------------------------------------------------------------------
    def reset(self, context: Any) -> None:
        """One curve and one bar per layer, named and coloured by depth; history cleared."""
        names = list(getattr(context, "layer_names", []) or [])
        acts = list(getattr(context, "activations", []) or [])
        acts += [None] * (len(names) - len(acts))
        n = len(names)
        self._names = names
        self._labels = [layer_label(nm, a) for nm, a in zip(names, acts)]
        self._colors = depth_colors(n)
        for curve in self.curves:
            self.curve_plot.removeItem(curve)
        self.curves = [make_curve(self.curve_plot, pg.mkPen(c, width=1), label,
                                  method="mean")
                       for c, label in zip(self._colors, self._labels)]
        # the output layer on top, so the deep layers' curves never hide it
        for z, curve in enumerate(self.curves):
            curve.setZValue(z)
        self._history = BoundedHistory(max(n, 1), self._capacity)
        self._current = np.full(n, np.nan)
        self._decades = None
        self._y_decades = None
        self._arrange(self._wants_side_by_side(self.width(), self.height()))
        positions = list(range(n))
        self.bar_plot.getAxis("left").setTicks([[(i, lab) for i, lab in zip(positions,
                                                                            self._labels)]])
        self.bar_plot.getAxis("right").setTicks([[(i, "") for i in positions]])
        self.bar_plot.setYRange(-0.6, n - 0.4, padding=0)
        self.bars.setOpts(x0=np.zeros(n), y=np.arange(n, dtype=float), width=np.zeros(n),
                          brushes=[pg.mkBrush(c) for c in self._colors])
        self.readout.setText("")
        self._set_bar_range(-8, 0)
        self._bars_throttle.cancel()
        self.hint.show()

    def append(self, snapshot: Any) -> None:
        """Add the snapshot's per-step gradient sizes; bars show their mean."""
        grads = getattr(snapshot, "grads", None)
        steps = getattr(snapshot, "steps", None)
        n = len(self._names)
        if grads is None or steps is None or n == 0:
            return
        grads = np.asarray(grads, dtype=np.float64)
        if grads.ndim != 2 or grads.shape[0] == 0 or grads.shape[1] != n:
            return
        self._history.extend(steps, grads)
        with np.errstate(invalid="ignore", over="ignore"):
            self._current = grads.mean(axis=0)
        h = self._history
        x = h.x
        shown = positive_or_nan(h.y)
        for j, curve in enumerate(self.curves):
            curve.setData(x, shown[:, j])
        self._fit_y(shown)
        follow_x(self.curve_plot, float(x[0]), float(x[-1]))
        self.hint.hide()
        # while training the bars and their numbers follow a few times a second: typesetting
        # the numbers is the most expensive part of a frame, and they cannot be read faster
        self._bars_throttle(self._update_bars, bool(getattr(snapshot, "running", False)))

    # --- for tests ---------------------------------------------------------------------------
    @property
    def current(self) -> np.ndarray:
        """The values the bars show now (one per layer)."""
        return self._current.copy()

    @property
    def legend_labels(self) -> list[str]:
        return list(self._labels)

    @property
    def history_size(self) -> int:
        return self._history.n

    # --- internals -----------------------------------------------------------------------
    def _update_bars(self) -> None:
        values = self._current
        positive = values > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.where(positive, np.log10(np.where(positive, values, 1.0)), np.nan)
        finite = logs[np.isfinite(logs)]
        if len(finite):
            self._set_bar_range(math.floor(finite.min()), math.ceil(finite.max()))
        lo = self._decades[0] - BAR_PAD if self._decades else -8.0 - BAR_PAD
        widths = np.where(np.isfinite(logs), logs - lo, 0.0)
        self.bars.setOpts(x0=np.full(len(values), lo), width=np.maximum(widths, 0.0))
        self.bar_plot.getAxis("right").setTicks(
            [[(i, format_sci(float(v))) for i, v in enumerate(values)]])
        self._update_readout(values)

    def _fit_y(self, shown: np.ndarray) -> None:
        """Show whole decades from the smallest to the largest gradient in the history."""
        if not np.isfinite(shown).any():
            return
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = math.floor(math.log10(float(np.nanmin(shown))))
            hi = math.ceil(math.log10(float(np.nanmax(shown))))
        lo = max(lo, hi - MAX_DECADES)  # a saturated run can reach 1e-60: keep it readable
        if hi <= lo:
            hi = lo + 1
        if self._y_decades != (lo, hi):
            self._y_decades = (lo, hi)
            self.curve_plot.setYRange(lo, hi, padding=0.02)

    def _set_bar_range(self, lo: int, hi: int) -> None:
        lo = max(lo, hi - MAX_DECADES)
        if hi <= lo:
            hi = lo + 1
        if self._decades == (lo, hi):
            return
        self._decades = (lo, hi)
        self.bar_plot.setXRange(lo - BAR_PAD, hi + BAR_PAD, padding=0)

    def _update_readout(self, values: np.ndarray) -> None:
        if len(values) < 2:
            self.readout.setText("")
            return
        first, last = float(values[0]), float(values[-1])
        if not (math.isfinite(first) and math.isfinite(last)) or last <= 0:
            self.readout.setText("")
            return
        ratio = first / last
        name = self._names[0]
        if ratio == 0:
            text = f"{name} gets no gradient at all"
        elif ratio < 1 / 3:
            text = f"{name}: <b>{_times(1 / ratio)} smaller</b> than Output"
        elif ratio > 3:
            text = f"{name}: <b>{_times(ratio)} larger</b> than Output"
        else:
            text = f"{name} ≈ Output"
        self.readout.setText(text)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._arrange(self._wants_side_by_side(event.size().width(), event.size().height()))

    def _wants_side_by_side(self, width: int, height: int) -> bool:
        """Bars below the curves only when the widget is tall and has room for a readable
        row per layer (~16 px) under a curve plot of useful height."""
        n = max(len(self._names), 1)
        room = height - 70  # header and caption
        return width >= 1.25 * height or room < n * 16 + 40 + 150

    def _arrange(self, side_by_side: bool) -> None:
        """Curves beside the bars in a wide widget, above them in a tall one."""
        if side_by_side == self._side_by_side:
            return
        self._side_by_side = side_by_side
        ci = self.graphics.ci
        for item in (self.curve_plot, self.bar_plot):
            if item in ci.items:
                ci.removeItem(item)
        ci.addItem(self.curve_plot, row=0, col=0)
        if side_by_side:
            ci.addItem(self.bar_plot, row=0, col=1)
            ci.layout.setColumnStretchFactor(0, 3)
            ci.layout.setColumnStretchFactor(1, 2)
            ci.layout.setRowStretchFactor(0, 1)
        else:
            ci.addItem(self.bar_plot, row=1, col=0)
            ci.layout.setColumnStretchFactor(0, 1)
            ci.layout.setColumnStretchFactor(1, 0)
            ci.layout.setRowStretchFactor(0, 3)
            ci.layout.setRowStretchFactor(1, 2)
        refit_layout(self.graphics)


#: the log axes show at most this many decades below the largest gradient
MAX_DECADES = 12
VALUE_AXIS_WIDTH = 54  # the bars' value labels ("0.00123", "3.2e-12" at 8 pt)
#: the bar axis reaches this far (in decades) past the outer decades; the bars start there
BAR_PAD = 0.05


def _times(factor: float) -> str:
    """A ratio for people: 3.2×, 45×, 340×, 3,400×, 340,000×, 1.2e+09×."""
    if factor < 10:
        return f"{factor:.1f}×"
    if factor >= 1e7:
        return f"{factor:.1e}×"
    rounded = float(f"{factor:.2g}")
    return f"{rounded:,.0f}×"

