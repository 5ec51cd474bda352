"""Shared pieces of the live plots: a bounded history buffer, colours, plot styling.

The history keeps at most ``capacity`` samples per series: when full, neighbouring samples
are averaged in pairs (the history is decimated by 2) and later samples are pooled in groups
of the same size, so the whole run stays on screen at a uniform density however long it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from nnstudio.gui import qtfix, style

qtfix.install()  # PySide6 6.12 on Python < 3.12 (see qtfix); a no-op elsewhere

TEXT_COLOR = style.TEXT
MUTED_TEXT = style.MUTED
AXIS_COLOR = "#8a9099"
GRID_ALPHA = 0.15
TRAIN_COLOR = style.TRAIN_COLOR
TEST_COLOR = style.TEST_COLOR
BATCH_COLOR = style.BATCH_COLOR

DEFAULT_CAPACITY = 20_000


class BoundedHistory:
    """Samples ``(x, y[columns])`` appended in blocks; memory and draw cost stay bounded."""

    def __init__(self, columns: int = 1, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 4:
            raise ValueError("history capacity must be at least 4")
        self.columns = int(columns)
        self.capacity = int(capacity)
        self._x = np.empty(self.capacity)
        self._y = np.empty((self.capacity, self.columns))
        self.n = 0
        self.stride = 1  # raw samples per stored sample
        self._pending_x = np.empty(0)
        self._pending_y = np.empty((0, self.columns))

    def clear(self) -> None:
        self.n = 0
        self.stride = 1
        self._pending_x = np.empty(0)
        self._pending_y = np.empty((0, self.columns))

    @property
    def x(self) -> np.ndarray:
        return self._x[:self.n]

    @property
    def y(self) -> np.ndarray:
        return self._y[:self.n]

    def column(self, j: int) -> np.ndarray:
        return self._y[:self.n, j]

    def last(self) -> np.ndarray | None:
        """The most recent stored row (``None`` while empty)."""
        return self._y[self.n - 1] if self.n else None

    def _pool(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = self.stride
        if s == 1:
            return x, y
        if len(self._pending_x):
            x = np.concatenate([self._pending_x, x])
            y = np.concatenate([self._pending_y, y])
        m = len(x) // s * s
        self._pending_x, self._pending_y = x[m:].copy(), y[m:].copy()
        with np.errstate(invalid="ignore"):
            return (x[:m].reshape(-1, s).mean(axis=1),
                    y[:m].reshape(-1, s, self.columns).mean(axis=1))

    def extend(self, x: Any, y: Any) -> None:
        """Append ``k`` samples: ``x`` shape ``(k,)``, ``y`` shape ``(k, columns)`` or ``(k,)``."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        if x.size == 0:
            return
        y = np.asarray(y, dtype=np.float64).reshape(x.size, self.columns)
        x, y = self._pool(x, y)
        k = len(x)
        if k == 0:
            return
        n = self.n
        if n + k <= self.capacity:
            self._x[n:n + k] = x
            self._y[n:n + k] = y
            self.n = n + k
            return
        all_x = np.concatenate([self._x[:n], x])
        all_y = np.concatenate([self._y[:n], y])
        with np.errstate(invalid="ignore"):
            while len(all_x) > self.capacity:
                m = len(all_x) // 2 * 2
                all_x = np.concatenate([0.5 * (all_x[0:m:2] + all_x[1:m:2]), all_x[m:]])
                all_y = np.concatenate([0.5 * (all_y[0:m:2] + all_y[1:m:2]), all_y[m:]])
                self.stride *= 2
        self.n = len(all_x)
        self._x[:self.n] = all_x
        self._y[:self.n] = all_y


def color(c: Any, alpha: int | None = None) -> QtGui.QColor:
    q = pg.mkColor(c)
    if alpha is not None:
        q.setAlpha(alpha)
    return q


def depth_colors(n: int) -> list[QtGui.QColor]:
    """The depth colour of each of ``n`` layers (style.depth_color: dark violet for the first
    hidden layer, warm yellow for the output layer)."""
    return [style.depth_color(i, n) for i in range(n)]


def layer_label(name: str, activation: str | None) -> str:
    return f"{name} ({activation})" if activation else name


def style_plot(plot: pg.PlotItem, *, left: str | None = None, bottom: str | None = None,
               grid: bool = True, font_pt: float = 8.0) -> None:
    """Readable axes on a white background: grey axes, dark labels, small tick font."""
    font = QtGui.QFont()
    font.setPointSizeF(font_pt)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(AXIS_COLOR))
        axis.setTextPen(pg.mkPen(TEXT_COLOR))
        axis.setStyle(tickFont=font, tickTextOffset=3)
        axis.enableAutoSIPrefix(False)
        cache_axis(axis)
    label_style = {"color": TEXT_COLOR, "font-size": f"{font_pt + 0.5:g}pt"}
    if left is not None:
        plot.setLabel("left", left, **label_style)
    if bottom is not None:
        plot.setLabel("bottom", bottom, **label_style)
    if grid:
        plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.setMenuEnabled(False)
    plot.hideButtons()


def refit_layout(view: pg.GraphicsLayoutWidget) -> None:
    """Give the layout back the whole view after items were added or removed while it was
    shown (pyqtgraph's addItem activates the layout, which shrinks a top-level layout to
    its minimum width until the next resize)."""
    view.ci.setGeometry(view.range)


def cache_axis(axis: pg.AxisItem) -> None:
    """Keep the axis as a pixmap between changes: replaying its text every frame is the most
    expensive part of a redraw (an axis whose range or ticks change is re-rendered)."""
    axis.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


def make_curve(plot: pg.PlotItem, pen: Any, name: str | None = None, method: str = "peak",
               **kwargs: Any) -> pg.PlotDataItem:
    """A curve set up for long live histories: clipped to the view and downsampled to about
    the pixel width (``method`` "peak" keeps spikes, "mean" smooths noisy series)."""
    curve = pg.PlotDataItem(pen=pen, name=name, connect="finite", **kwargs)
    plot.addItem(curve)  # PlotItem.addItem imposes the plot's own modes: set ours after it
    curve.setClipToView(True)
    # samples per pixel after downsampling ("peak" draws a min and a max per bin, so 0.5 is
    # ~1 vertex per pixel): painting an antialiased path costs per vertex, and more vertices
    # than pixels only cost time (measured: 5 600 vertices on 300 px took 5 ms a curve)
    curve.opts["autoDownsampleFactor"] = 1.0 if method == "mean" else 0.5
    curve.setDownsampling(auto=True, method=method)
    return curve


def set_label_font(label: Any, pt: float, bold: bool = False, color_: str = MUTED_TEXT) -> None:
    """Style a QLabel."""
    font = label.font()
    font.setPointSizeF(pt)
    font.setBold(bold)
    label.setFont(font)
    label.setStyleSheet(f"color: {color_};")


def positive_or_nan(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: zeros and negatives become gaps (NaN) instead of -inf."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(values > 0, values, np.nan)


def format_sci(value: float) -> str:
    """A short number for labels: 3.2e-06 -> '3.2e-6', 0.012 -> '0.012'."""
    if value is None or not math.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def epoch_rows(rows: list[dict] | None, keys: tuple[str, ...]) -> np.ndarray:
    """Per-epoch dict rows as a float table ``(len(rows), len(keys))`` (missing -> NaN)."""
    if not rows:
        return np.empty((0, len(keys)))
    nan = math.nan
    try:  # fast path: one conversion per column (None becomes NaN)
        return np.column_stack([np.asarray([row.get(k) for row in rows], dtype=np.float64)
                                for k in keys]) if keys else np.empty((len(rows), 0))
    except (TypeError, ValueError):
        table = [[_num(row.get(k, nan)) for k in keys] for row in rows]
        return np.asarray(table, dtype=np.float64)


def _num(v: Any) -> float:
    try:
        return nan_if_none(v)
    except (TypeError, ValueError):
        return math.nan


def nan_if_none(v: Any) -> float:
    return math.nan if v is None else float(v)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(exponent: int) -> str:
    """10 to an integer power, typeset: -6 -> '10⁻⁶'."""
    return "10" + str(int(exponent)).translate(_SUPERSCRIPT)


class DecadeAxis(pg.AxisItem):
    """An axis over log10 values: ticks at whole decades, labelled 10⁻⁶, 10⁻⁵, ...
    (for items such as bars that pyqtgraph's log mode does not transform)."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        lo, hi = math.ceil(minVal - 1e-9), math.floor(maxVal + 1e-9)
        if hi < lo:
            return []
        fits = max(1, int(size // 38))  # a label like 10⁻¹² needs ~38 px
        step = next((s for s in (1, 2, 3, 4, 5, 10, 20) if (hi - lo) // s + 1 <= fits), 50)
        self._label_step = step
        every = [float(v) for v in range(lo, hi + 1)]
        if step == 1:
            return [(1.0, every)]
        return [(float(step), [v for v in every if v % step == 0]), (1.0, every)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        step = getattr(self, "_label_step", 1)
        return [power_of_ten(round(v)) if round(v) % step == 0 else "" for v in values]


class LogAxis(pg.AxisItem):
    """pyqtgraph's log-mode axis, with every decade typeset the same way (10⁻⁶, not 1e-06
    next to 0.01)."""

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out = []
        for v in values:
            if abs(v - round(v)) < 1e-6:
                out.append(power_of_ten(round(v)))
            else:
                out.append(format_sci(10.0 ** v * scale))
        return out


#: the step axis reaches this far beyond the newest sample, so it is re-drawn only now
#: and then (each time the data reach its end) instead of on every frame
X_HEADROOM = 0.1


def follow_x(plot: pg.PlotItem, first: float, last: float,
             linked: Sequence[pg.PlotItem] = ()) -> None:
    """Show the whole history ``first..last`` with some room ahead. Set explicitly, not by
    auto-range: with downsampled, view-clipped curves pyqtgraph's auto-range can oscillate
    between two ranges forever (the displayed data's extent depends on the range and
    vice versa), and a range that moves every frame re-draws its axis every frame."""
    if not (math.isfinite(first) and math.isfinite(last)):
        return
    span = max(last - first, 1.0)
    (x0, x1), _ = plot.vb.viewRange()
    lo = first - 0.01 * span
    fits = x0 <= first and last <= x1 and abs(x0 - lo) <= 0.02 * span
    if fits and (last - x0) >= (x1 - x0) / (1.0 + 2.0 * X_HEADROOM):
        return
    plot.setXRange(lo, first + span * (1.0 + X_HEADROOM), padding=0)
    # apply the new range now (normally deferred to the next paint): the curves then clip
    # and downsample once, before that paint, instead of asking for a second one
    for p in (plot, *linked):
        p.vb.prepareForPaint()


def follow_y(plot: pg.PlotItem, values: Sequence[np.ndarray], log: bool = False,
             headroom: float = 0.15) -> None:
    """Keep the y range over the finite ``values`` (log10 of the positive ones when ``log``)
    and change it only when they leave it or fill less than half of it, with ``headroom``
    on the side that grew: an auto-range that moves with every new sample re-draws the axis
    (its tick texts are the most expensive part of a frame) on every frame."""
    lo, hi = math.inf, -math.inf
    for v in values:
        v = np.asarray(v, dtype=np.float64)
        v = v[v > 0] if log else v
        if v.size:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.log10(v) if log else v
            finite = v[np.isfinite(v)]
            if finite.size:
                lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return
    span = max(hi - lo, 0.1 if log else max(abs(hi), abs(lo), 1e-12) * 1e-3)
    plot.vb.enableAutoRange(y=False)
    _, (y0, y1) = plot.vb.viewRange()
    if y0 <= lo and hi <= y1 and (hi - lo) >= 0.5 * (y1 - y0):
        return
    margin = 0.04 * span
    new_lo = lo - margin - (headroom * span if lo < y0 else 0.0)
    new_hi = hi + margin + (headroom * span if hi > y1 else 0.0)
    plot.setYRange(new_lo, new_hi, padding=0)
