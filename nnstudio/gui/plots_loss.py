"""LossPlot: training and test loss per epoch, the noisy mini-batch loss per step, and (for
classification) accuracy below, all over the same step axis."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from nnstudio.gui.plots_common import (
    BATCH_COLOR,
    DEFAULT_CAPACITY,
    TEST_COLOR,
    TRAIN_COLOR,
    BoundedHistory,
    FitLabel,
    PlotHint,
    StepAxis,
    Throttle,
    add_legend,
    color,
    epoch_rows,
    follow_x,
    follow_y,
    graphics_view,
    header_row,
    make_curve,
    positive_or_nan,
    stack,
    style_plot,
    title_label,
)

_EPOCH_KEYS = ("step", "epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")
# stored epoch columns (after the x column "step")
_EPOCH, _TRAIN, _TEST, _TRAIN_ACC, _TEST_ACC = range(5)
_SYMBOL_LIMIT = 60  # epochs drawn with dots while there are few of them
AXIS_WIDTH = 46
EMPTY_STEPS = 100  # the step axis of an empty plot
ACC_MARGIN = 22  # the accuracy subplot's range reaches this far (in % of 0-100) past its ends
ACC_FLOORS = (90.0, 80.0, 50.0, 0.0)  # where the accuracy strip may start


class LossPlot(QtWidgets.QWidget):
    """Loss over training steps; ``reset(context)`` then ``append(snapshot)``."""

    def __init__(self, parent: QtWidgets.QWidget | None = None,
                 capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        self._batch = BoundedHistory(1, capacity)
        self._epochs = BoundedHistory(5, capacity)  # epoch, train/test loss and accuracy
        self._steps_per_epoch = math.nan
        self._classification = False
        self._has_test = False
        self._symbols = True

        self.title = title_label("Loss")
        self.log_box = QtWidgets.QCheckBox("Log")
        self.log_box.setToolTip("Logarithmic loss axis: late, small improvements stay "
                                "visible.")
        self.log_box.toggled.connect(self._on_log_toggled)
        self.status = FitLabel(8.0, rich=True)
        self.status.set_base_tooltip("The latest epoch: loss on the training and test sets, and the "
                               "accuracy on the test set (the training set if there is no "
                               "test set).")
        self._status_throttle = Throttle(self)

        self.graphics = graphics_view()
        self.legend = add_legend(self.graphics, columns=3)
        self.loss_plot: pg.PlotItem = self.graphics.addPlot(
            row=1, col=0, axisItems={"bottom": StepAxis("bottom")})
        style_plot(self.loss_plot, left="loss")
        self.acc_plot: pg.PlotItem = self.graphics.addPlot(
            row=2, col=0, axisItems={"bottom": StepAxis("bottom")})
        style_plot(self.acc_plot, left="acc. %", bottom="step")
        for plot in (self.loss_plot, self.acc_plot):
            plot.getAxis("left").setWidth(AXIS_WIDTH)
        self.acc_plot.setXLink(self.loss_plot)
        for plot in (self.loss_plot, self.acc_plot):
            plot.vb.enableAutoRange(x=False)
        self.acc_plot.vb.enableAutoRange(y=False)
        self.acc_plot.setMouseEnabled(y=False)
        self.acc_plot.getAxis("left").setStyle(hideOverlappingLabels=False)
        # the accuracy strip tall enough that 93 % and 100 % look different
        self.graphics.ci.layout.setRowStretchFactor(1, 3)
        self.graphics.ci.layout.setRowStretchFactor(2, 2)
        self._acc_floor: float | None = None
        self._set_acc_floor(0.0)

        # thin, noisy and translucent: antialiasing it would cost more than all other curves
        self.batch_curve = make_curve(self.loss_plot, pg.mkPen(color(BATCH_COLOR, 130), width=1),
                                      antialias=False)
        self.train_curve = make_curve(self.loss_plot, pg.mkPen(TRAIN_COLOR, width=2))
        self.test_curve = make_curve(self.loss_plot, pg.mkPen(TEST_COLOR, width=2))
        self.train_acc_curve = make_curve(self.acc_plot, pg.mkPen(TRAIN_COLOR, width=2))
        self.test_acc_curve = make_curve(self.acc_plot, pg.mkPen(TEST_COLOR, width=2))

        stack(self, header_row(self.title, self.status, self.log_box), self.graphics)
        self.hint = PlotHint(self.graphics, area=self.loss_plot.vb)
        self._drawn_epochs: tuple | None = None  # what the epoch curves show now
        self.setMinimumSize(220, 150)
        self._set_symbols(True)

    # --- contract ------------------------------------------------------------------------
    def reset(self, context: Any) -> None:
        """Forget the history and adapt to the task (accuracy only for classification)."""
        self._batch.clear()
        self._epochs.clear()
        self._steps_per_epoch = math.nan
        self._classification = getattr(context, "task", "regression") != "regression"
        X_test = getattr(context, "X_test_raw", None)
        self._has_test = X_test is not None and len(X_test) > 0
        self.acc_plot.setVisible(self._classification)
        self.loss_plot.setLabel("bottom", None if self._classification else "step")
        self.loss_plot.showAxis("bottom")
        self.loss_plot.getAxis("bottom").setStyle(showValues=not self._classification)
        self.test_curve.setVisible(self._has_test)
        self.test_acc_curve.setVisible(self._has_test)
        self.legend.clear()
        self.legend.addItem(self.train_curve, "train")
        if self._has_test:
            self.legend.addItem(self.test_curve, "test")
        self.legend.addItem(self.batch_curve, "mini-batch")
        self._set_symbols(True)
        self._drawn_epochs = None
        self._set_acc_floor(0.0)
        self._status_throttle.cancel()
        self._refresh()
        # an empty plot: whole steps (not 0.2 ... 0.8) and a loss axis from 0 to 1
        self.loss_plot.setXRange(0, EMPTY_STEPS, padding=0)
        self.loss_plot.setYRange(*((-2, 0) if self.log_box.isChecked() else (0, 1)),
                                 padding=0.02)
        self.hint.show()

    def append(self, snapshot: Any) -> None:
        """Add the snapshot's new mini-batch losses and epoch rows, then redraw."""
        steps = getattr(snapshot, "steps", None)
        losses = getattr(snapshot, "losses", None)
        if steps is not None and losses is not None and len(steps):
            self._batch.extend(steps, losses)
        step = float(getattr(snapshot, "step", 0) or 0)
        epoch = float(getattr(snapshot, "epoch", 0) or 0)
        if epoch > 0 and step > 0:
            self._steps_per_epoch = step / epoch
        table = epoch_rows(getattr(snapshot, "epochs", None), _EPOCH_KEYS)
        if len(table):
            self._epochs.extend(table[:, 0], table[:, 1:])
        if self._batch.n or self._epochs.n:
            self.hint.hide()
        running = bool(getattr(snapshot, "running", False))
        self._refresh(live=running, running=running)

    # --- internals -----------------------------------------------------------------------
    def _epoch_x(self) -> np.ndarray:
        """Where the epoch rows go on the step axis: their own "step" when the rows carry
        one, else epoch × steps per epoch as estimated from the latest snapshot's counters
        (re-estimated every frame, so early guesses do not stick)."""
        e = self._epochs
        x = e.x
        missing = np.isnan(x)
        if not missing.any():
            return x
        return np.where(missing, e.column(_EPOCH) * self._steps_per_epoch, x)

    def _set_symbols(self, on: bool) -> None:
        self._symbols = on
        for curve, c in ((self.train_curve, TRAIN_COLOR), (self.test_curve, TEST_COLOR),
                         (self.train_acc_curve, TRAIN_COLOR), (self.test_acc_curve, TEST_COLOR)):
            if on:
                curve.setSymbol("o")
                curve.setSymbolSize(4)
                curve.setSymbolPen(None)
                curve.setSymbolBrush(pg.mkBrush(c))
            else:
                curve.setSymbol(None)

    def _on_log_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self.loss_plot.setLabel("left", "loss (log)" if on else "loss")
        self.loss_plot.vb.enableAutoRange(y=True)
        self._drawn_epochs = None
        self._refresh()

    def _loss_values(self, values: np.ndarray) -> np.ndarray:
        return positive_or_nan(values) if self.log_box.isChecked() else values

    def _refresh(self, live: bool = False, running: bool = False) -> None:
        b, e = self._batch, self._epochs
        ex = self._epoch_x()
        self.batch_curve.setData(b.x, self._loss_values(b.column(0)))
        # the epoch curves change only with new rows (or a new estimate of where rows
        # without a step go): re-setting unchanged data would re-draw them for nothing
        placed = bool(e.n) and bool(np.isnan(e.x).any())
        key = (e.n, e.stride, self._steps_per_epoch if placed else None)
        if key != self._drawn_epochs:
            self._drawn_epochs = key
            self.train_curve.setData(ex, self._loss_values(e.column(_TRAIN)))
            if self._has_test:
                self.test_curve.setData(ex, self._loss_values(e.column(_TEST)))
            if self._classification:
                self.train_acc_curve.setData(ex, 100.0 * e.column(_TRAIN_ACC))
                if self._has_test:
                    self.test_acc_curve.setData(ex, 100.0 * e.column(_TEST_ACC))
                self._fit_acc()
        xs = [v for v in (b.x[:1], b.x[-1:], ex[:1], ex[-1:]) if len(v) and np.isfinite(v[0])]
        if xs:
            ends = np.concatenate(xs)
            follow_x(self.loss_plot, float(ends.min()), float(ends.max()),
                     linked=[self.acc_plot], running=running)
        follow_y(self.loss_plot, [b.column(0), e.column(_TRAIN), e.column(_TEST)],
                 log=self.log_box.isChecked())
        if self._symbols and e.n > _SYMBOL_LIMIT:
            self._set_symbols(False)
        # while training the numbers are re-typeset a few times a second, not every frame
        self._status_throttle(self._update_status, live)

    def _fit_acc(self) -> None:
        """The accuracy strip from the highest of 0, 50, 80 and 90 % that is at most every
        accuracy shown (to 100 %): high accuracies get the strip's whole height."""
        e = self._epochs
        cols = [e.column(_TRAIN_ACC)] + ([e.column(_TEST_ACC)] if self._has_test else [])
        values = np.concatenate(cols) * 100.0
        values = values[np.isfinite(values)]
        low = float(values.min()) if values.size else 0.0
        self._set_acc_floor(next(f for f in ACC_FLOORS if f <= low + 1e-9) if low > 0 else 0.0)

    def _set_acc_floor(self, floor: float) -> None:
        """Show accuracies from ``floor`` to 100 %, the ends and the middle labelled: the
        range reaches past them by more than half a label's height, so none is dropped for
        crossing the axis' ends."""
        if floor == self._acc_floor:
            return
        self._acc_floor = floor
        span = 100.0 - floor
        margin = ACC_MARGIN * span / 100.0
        mid = floor + span / 2
        self.acc_plot.vb.setLimits(yMin=None, yMax=None)
        self.acc_plot.setYRange(floor - margin, 100 + margin, padding=0)
        self.acc_plot.vb.setLimits(yMin=floor - margin, yMax=100 + margin)
        self.acc_plot.getAxis("left").setTicks(
            [[(v, f"{v:g}") for v in (floor, mid, 100.0)],
             [(floor + span / 4, ""), (floor + 3 * span / 4, "")]])

    @property
    def acc_range(self) -> tuple[float, float]:
        """The accuracies (in %) the strip shows from bottom to top, margins left out."""
        return float(self._acc_floor or 0.0), 100.0

    def _update_status(self) -> None:
        """The latest epoch's numbers, coloured like their curves, in the header."""
        row = self._epochs.last()
        if row is None:
            self.status.set_texts("")
            return
        train = f"<span style='color:{TRAIN_COLOR}'>{{}}{_fmt(row[_TRAIN])}</span>"
        test = f"<span style='color:{TEST_COLOR}'>{{}}{_fmt(row[_TEST])}</span>"
        acc = math.nan
        if self._classification:
            use_test = self._has_test and math.isfinite(row[_TEST_ACC])
            acc = row[_TEST_ACC] if use_test else row[_TRAIN_ACC]

        which = "test" if self._has_test and math.isfinite(row[_TEST_ACC]) else "train"

        def line(named: bool, accuracy: bool) -> str:
            parts = [train.format("train " if named else "")]
            if self._has_test:
                parts.append(test.format("test " if named else ""))
            if accuracy and math.isfinite(acc):
                parts.append(f"{which} acc. {100 * acc:.1f}%")
            return " · ".join(parts)

        # the complete line first; narrower, the losses lose their names (their colours
        # still say which is which), then the accuracy goes (the strip below shows it)
        self.status.set_texts(line(True, True), line(False, True), line(True, False),
                              line(False, False))

    @property
    def status_text(self) -> str:
        """The complete status line (the header may show a shorter wording)."""
        return self.status.full_text

    # --- for tests and export ----------------------------------------------------------------
    @property
    def history_sizes(self) -> tuple[int, int]:
        """(stored mini-batch samples, stored epoch rows)."""
        return self._batch.n, self._epochs.n


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "–"
    return f"{v:.3g}" if abs(v) >= 1e-3 else f"{v:.1e}"

