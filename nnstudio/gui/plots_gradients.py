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
from PySide6 import QtGui, QtWidgets

from nnstudio.gui.plots_common import (
    DEFAULT_CAPACITY,
    BoundedHistory,
    DecadeAxis,
    FitLabel,
    LogAxis,
    PlotHint,
    StepAxis,
    Throttle,
    bin_means,
    caption_label,
    depth_colors,
    follow_x,
    format_sci,
    graphics_view,
    header_row,
    layer_label,
    make_curve,
    refit_layout,
    stack,
    style_plot,
    title_label,
)

#: the caption under the plot, by what the gradients show (see _judge)
CAPTION = ("Each curve is one layer's average gradient size (log scale). A curve far below "
           "the output layer's means that layer barely learns.")
CAPTIONS = {
    "normal": CAPTION,
    "vanishing": ("Each curve is one layer's average gradient size. Curves far below the "
                  "output layer's mean those layers barely learn: vanishing gradients."),
    "exploding": ("Each curve is one layer's average gradient size. The first layers' are far "
                  "larger than the output layer's: exploding gradients."),
    "unstable": ("The loss is far above where it started: the steps are too large (learning "
                 "rate too high?). Gradient sizes say little here."),
    "diverged": ("Training diverged: the loss or the gradients are no longer finite. Lower "
                 "the learning rate and press Reset."),
}
#: the header readout: within this factor of the output layer's gradient the first layer's
#: is "about the same"; from HIGHLIGHT_FACTOR on it is highlighted (vanishing / exploding)
SAME_FACTOR, HIGHLIGHT_FACTOR = 10.0, 100.0
#: the loss counts as unstable when the latest epoch's training loss is this many times the
#: first mini-batch loss after a reset (the untrained network's)
UNSTABLE_LOSS = 2.0
WARN_COLOR = "#d35400"


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
        self.readout = FitLabel(8.0, rich=True)
        self.graphics = graphics_view(margins=(2, 4, 4, 2), spacing=6)
        self.curve_plot = pg.PlotItem(axisItems={"left": LogAxis("left"),
                                                 "bottom": StepAxis("bottom")})
        style_plot(self.curve_plot, left="mean |dJ/dW|", bottom="step")
        self.curve_plot.setLogMode(y=True)
        self.curve_plot.getAxis("left").setWidth(50)
        # y follows whole decades of the data (set by _fit_y): pyqtgraph's auto-range on
        # mean-downsampled curves can oscillate between two ranges and never settle
        self.curve_plot.vb.enableAutoRange(x=False, y=False)
        self._y_decades: tuple[int, int] | None = None
        self._label_pt = 0.0
        self._diverged = False
        self._first_loss = math.nan  # the first mini-batch loss after a reset
        self._loss: float | None = None  # the latest epoch's training loss
        self._state = "normal"

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
        self.hint = PlotHint(self.graphics, area=self.curve_plot.vb)
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
        for curve in self.curves:
            # the data come averaged to about a point per pixel (see _display): pyqtgraph's
            # own "mean" would average log10 values, and a bin holding a single step with
            # a gradient of exactly 0 (log -inf, a NaN gap) would blank the whole bin
            curve.setDownsampling(ds=1, auto=False)
        # the output layer on top, so the deep layers' curves never hide it
        for z, curve in enumerate(self.curves):
            curve.setZValue(z)
        self._history = BoundedHistory(max(n, 1), self._capacity)
        self._current = np.full(n, np.nan)
        self._decades = None
        self._y_decades = None
        # an empty plot shows whole decades and whole steps (not 1 ... 9 and 0.2 ... 0.8)
        self.curve_plot.setYRange(EMPTY_DECADES[0], EMPTY_DECADES[1], padding=0.02)
        self.curve_plot.setXRange(0, EMPTY_STEPS, padding=0)
        self._side_by_side = None  # the bar labels and rows follow the new layers
        self._arrange(self._wants_side_by_side(self.width(), self.height()))
        positions = list(range(n))
        self.bar_plot.getAxis("right").setTicks([[(i, "") for i in positions]])
        self.bar_plot.setYRange(-0.6, n - 0.4, padding=0)
        self.bars.setOpts(x0=np.zeros(n), y=np.arange(n, dtype=float), width=np.zeros(n),
                          brushes=[pg.mkBrush(c) for c in self._colors])
        self.readout.setText("")
        self._diverged = False
        self._first_loss, self._loss = math.nan, None
        self._set_state("normal")
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
        self._diverged = self._diverged or bool(getattr(snapshot, "diverged", None))
        self._note_losses(snapshot)
        with np.errstate(invalid="ignore", over="ignore"):
            self._current = grads.mean(axis=0)
        h = self._history
        x, shown = self._display()
        for j, curve in enumerate(self.curves):
            curve.setData(x, shown[:, j])
        self._fit_y(shown)
        running = bool(getattr(snapshot, "running", False))
        follow_x(self.curve_plot, float(h.x[0]), float(h.x[-1]), running=running)
        self.hint.hide()
        # while training the bars and their numbers follow a few times a second: typesetting
        # the numbers is the most expensive part of a frame, and they cannot be read faster
        self._bars_throttle(self._update_bars, running)

    def _note_losses(self, snapshot: Any) -> None:
        """Where the loss started (the first finite mini-batch loss after a reset: the
        untrained network's, before any update) and where it is (the latest epoch's training
        loss), for telling an unstable run from vanishing gradients."""
        losses = getattr(snapshot, "losses", None)
        if math.isnan(self._first_loss) and losses is not None and len(losses):
            values = np.asarray(losses, dtype=np.float64)
            finite = values[np.isfinite(values)]
            if finite.size:
                self._first_loss = float(finite[0])
        for row in getattr(snapshot, "epochs", None) or ():
            loss = row.get("train_loss") if isinstance(row, dict) else None
            if loss is not None:
                self._loss = float(loss)

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

    @property
    def side_by_side(self) -> bool:
        """Whether the bars stand beside the curves (else below them)."""
        return bool(self._side_by_side)

    @property
    def bar_row_height(self) -> float:
        """The height of one bar's row in pixels."""
        return self.bar_plot.vb.height() / max(len(self._names), 1)

    # --- internals -----------------------------------------------------------------------
    def _update_bars(self) -> None:
        values = self._current
        positive = values > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.where(positive, np.log10(np.where(positive, values, 1.0)), np.nan)
        finite = logs[np.isfinite(logs)]
        if len(finite):
            self._set_bar_range(*_decade_span(float(finite.min()), float(finite.max())))
        lo = self._decades[0] - BAR_PAD if self._decades else -8.0 - BAR_PAD
        widths = np.where(np.isfinite(logs), logs - lo, 0.0)
        self.bars.setOpts(x0=np.full(len(values), lo), width=np.maximum(widths, 0.0))
        self.bar_plot.getAxis("right").setTicks(
            [[(i, format_sci(float(v))) for i, v in enumerate(values)]])
        self._update_readout(values)

    def _display(self) -> tuple[np.ndarray, np.ndarray]:
        """The history averaged down to about one point per pixel of the curves' width, as
        the arithmetic mean of |dJ/dW| over each bin of steps (what the bars show for the
        latest steps), then made ready for the log axis: bins whose mean is not positive
        and finite (no gradient at all, a diverged run) become gaps."""
        h = self._history
        width = self.curve_plot.vb.width()
        x, y = bin_means(h.x, h.y, max(int(width), MIN_POINTS))
        with np.errstate(invalid="ignore"):
            shown = np.where(np.isfinite(y) & (y > 0), y, np.nan)
        return x, shown

    def _fit_y(self, shown: np.ndarray) -> None:
        """Show whole decades from the smallest to the largest gradient in the history, at
        least MIN_DECADES of them (see _decade_span)."""
        if not np.isfinite(shown).any():
            return
        with np.errstate(divide="ignore", invalid="ignore"):
            lo, hi = _decade_span(math.log10(float(np.nanmin(shown))),
                                  math.log10(float(np.nanmax(shown))))
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

    def _judge(self, values: np.ndarray) -> tuple[str, float]:
        """What the gradients show: "diverged" (the run diverged, or a gradient is not
        finite), "unstable" (the loss far above where it started), "exploding" or
        "vanishing" (the first layer's gradient HIGHLIGHT_FACTOR or more times larger or
        smaller than the output layer's), else "normal"; and that ratio (first / output)."""
        if self._diverged or not np.isfinite(values).all() or (
                self._loss is not None and not math.isfinite(self._loss)):
            return "diverged", math.nan
        if len(values) < 2:
            return "normal", math.nan
        first, last = float(values[0]), float(values[-1])
        ratio = first / last if last > 0 else math.nan
        if self._loss is not None and self._loss > UNSTABLE_LOSS * self._first_loss > 0:
            return "unstable", ratio
        if ratio >= HIGHLIGHT_FACTOR:
            return "exploding", ratio
        if ratio <= 1 / HIGHLIGHT_FACTOR:
            return "vanishing", ratio
        return "normal", ratio

    def _update_readout(self, values: np.ndarray) -> None:
        """The first layer's gradient against the output layer's, worded to fit the header
        (the complete sentence as tooltip when a shorter one shows): neutral within
        SAME_FACTOR, highlighted from HIGHLIGHT_FACTOR on; a diverged or unstable run says
        so instead. The caption under the plot follows."""
        state, ratio = self._judge(values)
        self._set_state(state)
        if state == "diverged":
            self.readout.set_texts(_warn("Training diverged: gradients not finite"),
                                   _warn("Diverged: not finite"), _warn("Diverged"))
            return
        if len(values) < 2 or not (ratio >= 0):
            self.readout.set_texts("")
            return
        name = self._names[0]
        short = _short_name(name)
        if ratio == 0:
            texts = [f"{name} gets no gradient at all", f"{name}: no gradient",
                     f"{short}: no gradient"]
            texts = [_warn(t) for t in texts]
        elif 1 / SAME_FACTOR < ratio < SAME_FACTOR:
            if 1 / 1.5 <= ratio <= 1.5:
                texts = [f"{name} ≈ Output", f"{short} ≈ Out"]
            else:  # within SAME_FACTOR: said plainly, not highlighted
                word = "smaller" if ratio < 1 else "larger"
                factor = _times(1 / ratio if ratio < 1 else ratio)
                texts = [f"{name}: {factor} {word} than Output",
                         f"{short}: {factor} {word} than Output",
                         f"{short}: {factor} {word} than Out", f"{short} ≈ Out"]
        else:
            word = "smaller" if ratio < 1 else "larger"
            big = 1 / ratio if ratio < 1 else ratio
            factor, compact = _times(big), _times_compact(big)
            quotient = compact.rstrip("×")
            texts = [f"{name}: {factor} {word} than Output",
                     f"{short}: {factor} {word} than Output",
                     f"{short}: {factor} {word} than Out",
                     f"{short}: {compact} {word} than Out",
                     f"{short}/Out = 1/{quotient}" if ratio < 1 else f"{short}/Out = {quotient}"]
            if big >= HIGHLIGHT_FACTOR and state != "unstable":
                texts = [_warn(t) for t in texts]
        if state == "unstable":
            texts = [_warn("Loss unstable") + " · " + t for t in texts] + [_warn("Loss unstable")]
        self.readout.set_texts(*texts)

    def _set_state(self, state: str) -> None:
        """The caption for what the gradients show (re-laid out only when it changes)."""
        if state == self._state and self.caption.text() == CAPTIONS[state]:
            return
        self._state = state
        self.caption.setText(CAPTIONS[state])
        if self._side_by_side is not None:
            self._arrange(self._wants_side_by_side(self.width(), self.height()))

    @property
    def state(self) -> str:
        """What the latest gradients show: normal, vanishing, exploding, unstable, diverged."""
        return self._state

    @property
    def readout_text(self) -> str:
        """The complete readout sentence (the header may show a shorter wording)."""
        return self.readout.full_text

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._arrange(self._wants_side_by_side(event.size().width(), event.size().height()))

    def _graphics_room(self, width: int, height: int) -> int:
        """The height the drawing area gets in a widget of this size (the header and the
        word-wrapped caption take the rest)."""
        caption = self.caption.heightForWidth(max(width, 1)) if self.caption.isVisibleTo(self) \
            else 0
        header = max(self.title.sizeHint().height(), self.readout.sizeHint().height()) + 2
        return height - header - max(caption, 0)

    def _wants_side_by_side(self, width: int, height: int) -> bool:
        """Bars below the curves unless the widget is wide, or too short for a compact
        row per layer (BAR_ROW_MIN px) under a curve plot of useful height (CURVES_MIN)."""
        n = max(len(self._names), 1)
        room = self._graphics_room(width, height)
        return width >= 1.25 * height or room < n * BAR_ROW_MIN + BAR_AXIS + CURVES_MIN

    def _arrange(self, side_by_side: bool) -> None:
        """Curves beside the bars in a wide widget, above them in a tall one; the bars'
        rows as high as a readable label needs, the curves get the rest."""
        if side_by_side != self._side_by_side:
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
                ci.layout.setRowStretchFactor(1, 0)
            else:
                ci.addItem(self.bar_plot, row=1, col=0)
                ci.layout.setColumnStretchFactor(0, 1)
                ci.layout.setColumnStretchFactor(1, 0)
                ci.layout.setRowStretchFactor(0, 1)
                ci.layout.setRowStretchFactor(1, 0)
        self._label_bars()
        self._size_bars()
        refit_layout(self.graphics)

    def _label_bars(self) -> None:
        """The bars' layer names: in full below the curves; short (H1 … Out) beside them in
        a narrow widget, where full names would squeeze the curves."""
        short = self._side_by_side and self.width() < SHORT_LABELS_BELOW
        labels = [_short_name(nm) for nm in self._names] if short else self._labels
        self.bar_plot.getAxis("left").setTicks([list(enumerate(labels))])

    def _size_bars(self) -> None:
        """Below the curves the bar plot takes n rows of 12-22 px (about 40 % of the room)
        plus its axis; beside them it takes the full height."""
        n = max(len(self._names), 1)
        axis = self.bar_plot.getAxis("left")
        if self._side_by_side:
            self.bar_plot.setMinimumHeight(0)
            self.bar_plot.setMaximumHeight(QWIDGETSIZE_MAX)
            room = self._graphics_room(self.width(), self.height())
            row = (room - BAR_AXIS) / n  # the full height: 8 pt labels where rows allow
        else:
            room = self._graphics_room(self.width(), self.height())
            row = min(max((BAR_SHARE * room - BAR_AXIS) / n, BAR_ROW_MIN), BAR_ROW_MAX)
            height = n * row + BAR_AXIS
            self.bar_plot.setMinimumHeight(height)
            self.bar_plot.setMaximumHeight(height)
        pt = 8.0 if row >= BAR_ROW_MIN else 7.0  # a 12 px row holds an 8 pt label
        if pt != self._label_pt:
            self._label_pt = pt
            font = QtGui.QFont()
            font.setPointSizeF(pt)
            axis.setStyle(tickFont=font)
            self.bar_plot.getAxis("right").setStyle(tickFont=font)


#: the log axes show at most this many decades below the largest gradient, at least MIN_DECADES
MAX_DECADES, MIN_DECADES = 12, 6
#: the curves' ranges before any data: 10⁻⁸ … 10⁰ and 0 … 100 steps
EMPTY_DECADES = (-8, 0)
EMPTY_STEPS = 100
#: the curves are drawn from about one averaged point per pixel, at least this many
MIN_POINTS = 300
#: bars below the curves: rows of 12 to 22 px taking about 40 % of the height, the curves
#: at least CURVES_MIN px high (axis included); BAR_AXIS is the decade axis and its title
BAR_ROW_MIN, BAR_ROW_MAX, BAR_SHARE, BAR_AXIS, CURVES_MIN = 12, 22, 0.4, 36, 120
#: beside the curves, the bars are labelled H1 … Out in a widget narrower than this
SHORT_LABELS_BELOW = 560
QWIDGETSIZE_MAX = 16_777_215
VALUE_AXIS_WIDTH = 54  # the bars' value labels ("0.00123", "3.2e-12" at 8 pt)
#: the bar axis reaches this far (in decades) past the outer decades; the bars start there
BAR_PAD = 0.05


def _short_name(name: str) -> str:
    """"Hidden 3" -> "H3", "Output" -> "Out" (labels where full names do not fit)."""
    if name.startswith("Hidden "):
        return "H" + name[len("Hidden "):]
    return "Out" if name == "Output" else name


def _warn(text: str) -> str:
    """Header text that deserves attention."""
    return f"<span style='color:{WARN_COLOR}'><b>{text}</b></span>"


def _decade_span(lo: float, hi: float) -> tuple[int, int]:
    """Whole decades from ``lo`` to ``hi`` (log10 values), at least MIN_DECADES of them,
    centred on the data: every layer's bars and curves then share one scale, so a 4× spread
    looks nearly flat and 10⁵ looks like a staircase, whichever network it is."""
    lo_d, hi_d = math.floor(lo), math.ceil(hi)
    if hi_d - lo_d < MIN_DECADES:
        start = round(0.5 * (lo + hi) - 0.5 * MIN_DECADES)
        lo_d = min(lo_d, start)
        hi_d = max(hi_d, lo_d + MIN_DECADES)
    return lo_d, hi_d


def _times_compact(factor: float) -> str:
    """A ratio in few characters: 45×, 340×, 3,400×, 3.4e4×, 1.9e5×, 4.4e8×."""
    if factor < 1e4:
        return _times(factor)
    mantissa, exponent = f"{factor:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}×"


def _times(factor: float) -> str:
    """A ratio for people: 3.2×, 45×, 340×, 3,400×, 340,000×, 1.2e+09×."""
    if factor < 10:
        return f"{factor:.1f}×"
    if factor >= 1e7:
        return f"{factor:.1e}×"
    rounded = float(f"{factor:.2g}")
    return f"{rounded:,.0f}×"

