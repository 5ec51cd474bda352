"""OutputView: what the network computes, drawn the way that suits the data.

- 2-D inputs: the output over the input plane as a heatmap (binary: orange↔blue through
  white at p = 0.5, like TensorFlow Playground; multiclass: each class's colour, paler where
  the network is unsure; regression: a diverging value map) with the training points filled
  and the test points outlined.
- 1-D regression: the fitted curve over the data points.
- anything else that is classification (iris, digits, CSV): a confusion matrix with the count
  in every cell and the accuracy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from nnstudio.gui import style
from nnstudio.gui.plots_common import (
    HINT_TEXT,
    MUTED_TEXT,
    TEXT_COLOR,
    FitLabel,
    add_legend,
    graphics_view,
    header_row,
    refit_layout,
    stack,
    style_plot,
    title_label,
    use_fast_thick_pen,
)

PLANE, CURVE, CONFUSION, MESSAGE = "plane", "curve", "confusion", "message"
MAX_CELL_TEXTS = 20  # beyond 20 classes the matrix is drawn without a number in each cell
_HEAT_STRENGTH = 0.62  # how far the background goes from white towards a class colour
_POINT_SIZE = 7
LEGEND_ROW = 24  # px per line of the legend
LEGEND_SPACING = 4  # the legend's horizontal spacing (see add_legend)


def _rgb(c: Any) -> np.ndarray:
    q = pg.mkColor(c)
    return np.array([q.red(), q.green(), q.blue()], dtype=np.float64)


def _diverging_lut(low: Any, high: Any, strength: float = _HEAT_STRENGTH,
                   n: int = 256) -> np.ndarray:
    """low colour -> white -> high colour, tinted to ``strength`` so points stay visible."""
    t = np.linspace(-1.0, 1.0, n)[:, None]
    white = np.full(3, 255.0)
    lo = white + strength * (_rgb(low) - white)
    hi = white + strength * (_rgb(high) - white)
    lut = np.where(t < 0, white + (-t) * (lo - white), white + t * (hi - white))
    return np.clip(np.round(lut), 0, 255).astype(np.uint8)


def _discrete_lut(low: Any, high: Any, strength: float = _HEAT_STRENGTH,
                  n: int = 256) -> np.ndarray:
    white = np.full(3, 255.0)
    lut = np.empty((n, 3))
    lut[: n // 2] = white + strength * (_rgb(low) - white)
    lut[n // 2:] = white + strength * (_rgb(high) - white)
    return np.round(lut).astype(np.uint8)


def _confusion_lut(n: int = 256) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)[:, None]
    white = np.full(3, 255.0)
    return np.round(white + t * (_rgb(style.POSITIVE) - white)).astype(np.uint8)


class OutputView(QtWidgets.QWidget):
    """The network's output; ``reset(context)`` picks the picture, ``append(snapshot)`` updates it."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = MESSAGE
        self._context: Any = None
        self._n_classes = 0
        self._task = "regression"
        self._last_output: dict | None = None
        self._shape: tuple[int, ...] | None = None
        self._rect: tuple[float, ...] | None = None
        self._last_confusion: np.ndarray | None = None
        self.cell_texts: list[pg.TextItem] = []

        self.title = title_label("Output")
        self.info = FitLabel(muted=True)
        self.test_box = QtWidgets.QCheckBox("Test data")
        self.test_box.setToolTip("Show the test points (outlined) as well as the training "
                                 "points (filled).")
        self.test_box.setChecked(True)
        self.test_box.toggled.connect(self._on_test_toggled)
        self.discrete_box = QtWidgets.QCheckBox("Discretize")
        self.discrete_box.setToolTip("Colour only by the predicted class, without the "
                                     "network's confidence.")
        self.discrete_box.toggled.connect(self._on_discrete_toggled)
        self.graphics = graphics_view()
        self.legend = add_legend(self.graphics, columns=6, hor_spacing=LEGEND_SPACING)
        self.plot: pg.PlotItem = self.graphics.addPlot(row=1, col=0)
        style_plot(self.plot, grid=False)

        # items: created here once, shown per mode in reset(), updated by append()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.train_points = pg.ScatterPlotItem(size=_POINT_SIZE, pxMode=True)
        self.test_points = pg.ScatterPlotItem(size=_POINT_SIZE, pxMode=True)
        for points in (self.train_points, self.test_points):
            # the points stay while the picture under them changes ~10 times a second:
            # kept as a pixmap, they are copied instead of drawn point by point
            points.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.curve = pg.PlotDataItem(pen=pg.mkPen(style.TEXT, width=2.5))
        use_fast_thick_pen(self.curve)
        self.message = pg.TextItem("", color=MUTED_TEXT, anchor=(0.5, 0.5))
        self._legend_samples: list[pg.ScatterPlotItem] = []

        stack(self, header_row(self.title, self.info, self.discrete_box, self.test_box),
              self.graphics)
        self._square: tuple[float, float] | None = None  # data extent (x span, y span)
        self._extent: tuple[float, ...] | None = None  # the plane's (xmin, xmax, ymin, ymax)
        self._user_view = False  # panned or zoomed by the user: keep that view
        self.plot.vb.sigRangeChangedManually.connect(self._on_user_view)
        self._pads = (0.0, 0.0)  # added to the plot's margins so its view has that shape
        self._plot_margins = self.plot.layout.getContentsMargins()
        self.plot.vb.sigResized.connect(self._fit_square)
        self._legend_rows = 0
        self.setMinimumSize(240, 220)

    # --- contract ------------------------------------------------------------------------
    def reset(self, context: Any) -> None:
        """Choose the picture for this experiment and draw the data points."""
        self._context = context
        self._task = getattr(context, "task", "regression")
        classes = getattr(context, "classes", None)
        self._n_classes = len(classes) if classes else 0
        extent = getattr(context, "extent", None)
        input_dim = int(getattr(context, "input_dim", 0) or 0)
        if extent is not None and input_dim == 2:
            mode = PLANE
        elif self._task == "regression" and input_dim == 1:
            mode = CURVE
        elif self._task != "regression" and self._n_classes >= 2:
            mode = CONFUSION
        else:
            mode = MESSAGE
        self.mode = mode
        self._last_output = None
        self._shape = self._rect = None
        self._last_confusion = None
        self._clear_plot()
        self.test_box.blockSignals(True)
        self.test_box.setChecked(bool(getattr(context, "show_test", True)))
        self.test_box.blockSignals(False)
        has_test = _rows(getattr(context, "X_test_raw", None)) > 0
        self.test_box.setVisible(mode in (PLANE, CURVE) and has_test)
        self.discrete_box.setVisible(mode == PLANE and self._task != "regression")
        self.info.setText("")
        names = list(getattr(context, "feature_names", None) or [])
        if mode == PLANE:
            self._reset_plane(context, names)
        elif mode == CURVE:
            self._reset_curve(context, names)
        elif mode == CONFUSION:
            self._reset_confusion(classes)
        else:
            self._reset_message(context, input_dim)
        # the data points show already: the hint to start training goes in the header
        if mode != MESSAGE and not self.info.text():
            self.info.set_texts(HINT_TEXT, "Press Play", "")

    def append(self, snapshot: Any) -> None:
        """Update the picture from the snapshot (fields it lacks leave the picture as is)."""
        if self.mode == PLANE:
            output = getattr(snapshot, "output", None)
            if output is not None:
                self._show_output(output)
                self._clear_hint()
        elif self.mode == CURVE:
            curve = getattr(snapshot, "curve", None)
            if curve is not None:
                xs, ys = curve
                self.curve.setData(np.asarray(xs, dtype=np.float64),
                                   np.asarray(ys, dtype=np.float64))
                self._clear_hint()
        elif self.mode == CONFUSION:
            confusion = getattr(snapshot, "confusion", None)
            if confusion is not None:
                self._clear_hint()
                self._show_confusion(np.asarray(confusion))

    @property
    def hint_shown(self) -> bool:
        return self.info.text() == HINT_TEXT

    def _clear_hint(self) -> None:
        if self.info.text() == HINT_TEXT:
            self.info.setText("")

    # --- set-up per mode -----------------------------------------------------------------------
    def _clear_plot(self) -> None:
        for item in (self.image, self.train_points, self.test_points, self.curve, self.message,
                     *self.cell_texts):
            self.plot.removeItem(item)  # a no-op for items not in the plot
        self.cell_texts = []
        self.legend.clear()
        self._legend_samples = []
        self.plot.setAspectLocked(False)
        self._square = None
        self._extent = None
        self._user_view = False
        self._fit_square()
        self.plot.vb.invertY(False)
        for name in ("left", "bottom", "top", "right"):
            axis = self.plot.getAxis(name)
            axis.setTicks(None)
            axis.setStyle(tickLength=-4)
            axis.setTickDensity(0.6)  # a small square plot: fewer, readable numbers
        self.plot.showAxes(True, showValues=(True, False, False, True))
        self.plot.setLabel("left", "")
        self.plot.setLabel("bottom", "")
        self.plot.setMouseEnabled(x=True, y=True)
        self.plot.enableAutoRange()

    def _reset_plane(self, context: Any, names: list[str]) -> None:
        xmin, xmax, ymin, ymax = (float(v) for v in context.extent)
        self.plot.addItem(self.image)
        self.image.setZValue(-10)
        self.image.clear()
        if self._task == "multiclass":
            self.image.setLookupTable(None)
        else:
            self._apply_lut()
        self._add_points(context)
        self.plot.setAspectLocked(True)
        self.plot.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
        self._square = (xmax - xmin, ymax - ymin)
        self._extent = (xmin, xmax, ymin, ymax)
        self._fit_square()
        self.plot.setLimits(xMin=xmin - (xmax - xmin), xMax=xmax + (xmax - xmin),
                            yMin=ymin - (ymax - ymin), yMax=ymax + (ymax - ymin))
        label = {"font-size": "8.5pt", "color": TEXT_COLOR}
        self.plot.setLabel("bottom", names[0] if len(names) > 0 else "x1", **label)
        self.plot.setLabel("left", names[1] if len(names) > 1 else "x2", **label)

    def _reset_curve(self, context: Any, names: list[str]) -> None:
        self._add_points(context)
        self.plot.addItem(self.curve)
        self.curve.setData([], [])
        self.curve.setZValue(10)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        label = {"font-size": "8.5pt", "color": TEXT_COLOR}
        self.plot.setLabel("bottom", names[0] if names else "x", **label)
        self.plot.setLabel("left", "y", **label)
        self._add_legend_entry("network", pen=pg.mkPen(style.TEXT, width=2.5))

    def _reset_confusion(self, classes: list) -> None:
        k = len(classes)
        self.plot.showGrid(x=False, y=False)
        self.plot.addItem(self.image)
        self.image.setLookupTable(_confusion_lut())
        self.image.setImage(np.zeros((k, k)), levels=(0.0, 1.0), autoLevels=False)
        self.image.setRect(QtCore.QRectF(-0.5, -0.5, k, k))
        self._shape = (k, k)
        labels = [str(c) for c in classes]
        ticks = [[(i, lab) for i, lab in enumerate(labels)]]
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.getAxis("left").setTicks(ticks)
        for name in ("left", "bottom", "top", "right"):
            self.plot.getAxis(name).setStyle(tickLength=0)
        label = {"font-size": "8.5pt", "color": TEXT_COLOR}
        self.plot.setLabel("bottom", "predicted class", **label)
        self.plot.setLabel("left", "true class", **label)
        self.plot.vb.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setRange(xRange=(-0.5, k - 0.5), yRange=(-0.5, k - 0.5), padding=0.02)
        if k <= MAX_CELL_TEXTS:
            font = self.font()
            font.setPointSizeF(max(6.5, 10.0 - 0.3 * k))
            for i in range(k):
                for j in range(k):
                    text = pg.TextItem("", color=TEXT_COLOR, anchor=(0.5, 0.5))
                    text.setFont(font)
                    text.setPos(j, i)
                    self.plot.addItem(text)
                    self.cell_texts.append(text)
        self.info.set_texts("rows: true class · columns: predicted",
                            "rows: true · columns: predicted", "rows: true class", "")

    def _reset_message(self, context: Any, input_dim: int) -> None:
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMouseEnabled(x=False, y=False)
        if self._task == "regression":
            text = (f"No output picture for regression with {input_dim} inputs:\n"
                    "watch the loss curves to see how well it fits.")
        else:
            text = "No output picture for a single class."
        self.message.setText(text)
        self.plot.addItem(self.message)
        self.message.setPos(0.5, 0.5)
        self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)

    def _add_points(self, context: Any) -> None:
        X_train = _as_2d(getattr(context, "X_train_raw", None))
        X_test = _as_2d(getattr(context, "X_test_raw", None))
        y_train = getattr(context, "y_train", None)
        y_test = getattr(context, "y_test", None)
        for item, X, y, filled in ((self.train_points, X_train, y_train, True),
                                   (self.test_points, X_test, y_test, False)):
            self.plot.addItem(item)
            item.setZValue(5 if filled else 6)
            if X is None or y is None or len(X) == 0:
                item.setData([], [])
                continue
            xs = X[:, 0]
            ys = X[:, 1] if self.mode == PLANE else _first_column(y)
            pens, brushes = self._point_style(y, filled)
            item.setData(x=xs, y=ys, pen=pens, brush=brushes, size=_POINT_SIZE)
        self.test_points.setVisible(self.test_box.isChecked())
        if self._task != "regression" and self.mode == PLANE:
            classes = getattr(context, "classes", None) or []
            for i, c in enumerate(classes):
                self._add_legend_entry(_class_name(c), brush=pg.mkBrush(style.class_color(i)),
                                       pen=pg.mkPen("w", width=1))
        if X_test is not None and len(X_test):
            sample = style.POSITIVE if self.mode == CURVE else MUTED_TEXT
            self._add_legend_entry("train", brush=pg.mkBrush(sample), pen=pg.mkPen("w"))
            self._add_legend_entry("test", brush=pg.mkBrush("w"),
                                   pen=pg.mkPen(sample, width=1.5))
        if self._task == "regression" and self.mode == PLANE:
            self.info.set_texts("colour = output: orange < 0 < blue", "orange < 0 < blue", "")

    def _point_style(self, y: Any, filled: bool) -> tuple[list, list]:
        """Per-point pens and brushes (built once per reset)."""
        y = np.asarray(y)
        if self._task == "regression":
            values = _first_column(y)
            lut = _diverging_lut(style.NEGATIVE, style.POSITIVE, strength=1.0)
            m = self._value_scale()
            idx = np.clip(np.round((values / m + 1.0) * 127.5), 0, 255).astype(int)
            cols = [pg.mkColor(*lut[i]) for i in idx]
            if self.mode == CURVE:
                cols = [pg.mkColor(style.POSITIVE)] * len(values)
        else:
            palette = [pg.mkColor(style.class_color(i)) for i in range(max(self._n_classes, 2))]
            cols = [palette[int(i) % len(palette)] for i in y.ravel()]
        if filled:
            # regression colours fade to white near 0: a grey rim keeps those points visible
            rim = pg.mkPen(120, 120, 120, 160) if self._task == "regression" else pg.mkPen("w")
            return [rim] * len(cols), [pg.mkBrush(c) for c in cols]
        white_brush = pg.mkBrush(255, 255, 255, 230)
        return [pg.mkPen(c, width=1.8) for c in cols], [white_brush] * len(cols)

    def _add_legend_entry(self, name: str, **opts: Any) -> None:
        sample = pg.PlotDataItem([0], [0], symbol="o", symbolSize=8,
                                 symbolBrush=opts.get("brush"), symbolPen=opts.get("pen"),
                                 pen=opts.get("pen") if "brush" not in opts else None)
        self._legend_samples.append(sample)
        self.legend.addItem(sample, name)
        self._legend_rows = 0  # laid out again for the new entry
        self._fit_legend()

    def _value_scale(self) -> float:
        """Half-width of the regression colour scale: the training targets' largest size."""
        y = getattr(self._context, "y_train", None)
        if y is None or np.size(y) == 0:
            return 1.0
        m = float(np.max(np.abs(_first_column(np.asarray(y, dtype=np.float64)))))
        return m if math.isfinite(m) and m > 0 else 1.0

    def _fit_square(self, *_: Any) -> None:
        """Pad the plane's plot so that its view has the data's aspect ratio: with the
        aspect locked, the view then shows exactly the data's extent (no empty margins
        beside the data), centred in the space it has. Computed from the space available
        (not from the current padding), so repeated calls settle at once."""
        pads = (0.0, 0.0)
        if self._square is not None:
            pads = self._square_pads(*self._square) or self._pads
        if pads != self._pads:
            self._pads = pads
            left, top, right, bottom = self._plot_margins
            px, py = pads
            self.plot.layout.setContentsMargins(left + px, top + py, right + px, bottom + py)
            refit_layout(self.graphics)
        elif self._extent is not None and not self._user_view:
            # settled: show the extent (a range set while the view had another shape was
            # widened to that shape by the locked aspect ratio)
            xmin, xmax, ymin, ymax = self._extent
            (x0, x1), (y0, y1) = self.plot.vb.viewRange()
            tol = 0.005 * max(xmax - xmin, ymax - ymin)
            if max(abs(x0 - xmin), abs(x1 - xmax), abs(y0 - ymin), abs(y1 - ymax)) > tol:
                self.plot.vb.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """The legend on one line when it fits the view's width, else on two (a narrow
        view, e.g. beside an open lesson, would cut it off after a few entries)."""
        items = self.legend.items
        if not items:
            return
        widths = [sample.boundingRect().width() + label.boundingRect().width()
                  + 2 * LEGEND_SPACING for sample, label in items]
        room = self.graphics.width() - 24
        rows = 1 if sum(widths) <= room or len(items) < 2 else 2
        if rows == self._legend_rows:
            return
        self._legend_rows = rows
        self.legend.setColumnCount(math.ceil(len(items) / rows))
        self.legend.setMaximumHeight(LEGEND_ROW * rows)
        self.legend.updateSize()
        refit_layout(self.graphics)

    @property
    def legend_rows(self) -> int:
        """On how many lines the legend stands."""
        return self._legend_rows

    def _on_user_view(self, *_: Any) -> None:
        self._user_view = True

    def _square_pads(self, xspan: float, yspan: float) -> tuple[float, float] | None:
        vb = self.plot.vb
        if not (xspan > 0 and yspan > 0) or vb.width() < 4 or vb.height() < 4:
            return None
        px, py = self._pads
        view_w, view_h = vb.width() + 2 * px, vb.height() + 2 * py  # the room unpadded
        ratio = xspan / yspan
        pad_x = round(max(view_w - view_h * ratio, 0.0) / 2, 1)
        pad_y = round(max(view_h - view_w / ratio, 0.0) / 2, 1)
        return pad_x, pad_y

    # --- updates -------------------------------------------------------------------------
    def _apply_lut(self) -> None:
        if self._task == "multiclass":
            return
        if self._task == "binary" and self.discrete_box.isChecked():
            self.image.setLookupTable(_discrete_lut(style.NEGATIVE, style.POSITIVE))
        else:
            self.image.setLookupTable(_diverging_lut(style.NEGATIVE, style.POSITIVE))

    def _show_output(self, output: dict) -> None:
        self._last_output = output
        value = np.asarray(output["value"], dtype=np.float64)
        kind = output.get("kind", self._task)
        if kind == "multiclass":
            image = self._class_image(value, output.get("confidence"))
            self.image.setImage(image, autoLevels=False, levels=(0, 255))
        elif kind == "binary":
            self.image.setImage(value, autoLevels=False, levels=(0.0, 1.0))
        else:
            m = self._value_scale()
            self.image.setImage(value, autoLevels=False, levels=(-m, m))
        extent = output.get("extent") or getattr(self._context, "extent", None)
        rect = (*(float(v) for v in extent), *value.shape[:2])
        if rect != self._rect:
            self._rect = rect
            xmin, xmax, ymin, ymax, ny, nx = rect
            dx = (xmax - xmin) / max(nx - 1, 1)
            dy = (ymax - ymin) / max(ny - 1, 1)
            self.image.setRect(QtCore.QRectF(xmin - dx / 2, ymin - dy / 2,
                                             xmax - xmin + dx, ymax - ymin + dy))

    def _class_image(self, winner: np.ndarray, confidence: Any) -> np.ndarray:
        """RGB image: each pixel the winning class's colour, paler where the network is
        less sure (its probability near 1/k)."""
        k = max(self._n_classes, 2)
        palette = np.array([_rgb(style.class_color(i)) for i in range(k)])
        idx = np.clip(np.nan_to_num(winner).astype(np.int64), 0, k - 1)
        if confidence is None or self.discrete_box.isChecked():
            weight = np.full(winner.shape, _HEAT_STRENGTH)
        else:
            conf = np.nan_to_num(np.asarray(confidence, dtype=np.float64))
            weight = _HEAT_STRENGTH * np.clip((conf - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
        white = 255.0
        rgb = white + weight[..., None] * (palette[idx] - white)
        return np.clip(rgb, 0, 255).astype(np.uint8)

    def _show_confusion(self, cm: np.ndarray) -> None:
        k = self._n_classes
        if cm.shape != (k, k):
            return
        if self._last_confusion is not None and np.array_equal(cm, self._last_confusion):
            return
        self._last_confusion = cm.copy()
        counts = cm.astype(np.float64)
        totals = counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            fraction = np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), 0.0)
        self.image.setImage(fraction, autoLevels=False, levels=(0.0, 1.0))
        if self.cell_texts:
            dark = (fraction > 0.55).ravel()
            for text, count, on_dark in zip(self.cell_texts, cm.ravel().tolist(), dark.tolist()):
                text.setText(str(count), color="w" if on_dark else TEXT_COLOR)
        total = int(cm.sum())
        correct = int(np.trace(cm))
        if total:
            pct = f"{100.0 * correct / total:.1f} %"
            self.info.set_texts(f"accuracy {pct}  ({correct} of {total} right)",
                                f"accuracy {pct}", pct)

    def _on_test_toggled(self, on: bool) -> None:
        self.test_points.setVisible(on)

    def _on_discrete_toggled(self, _on: bool) -> None:
        self._apply_lut()
        if self._last_output is not None:
            self._show_output(self._last_output)

    # --- for tests -----------------------------------------------------------------------
    @property
    def cell_values(self) -> list[str]:
        """The confusion-matrix cell texts, row by row."""
        return [t.textItem.toPlainText() for t in self.cell_texts]


def _class_name(label: Any) -> str:
    """Numeric class labels read better with a word: 0 -> "class 0"; "setosa" stays."""
    text = str(label)
    return f"class {text}" if text.lstrip("-").replace(".", "", 1).isdigit() else text


def _rows(X: Any) -> int:
    return 0 if X is None else len(X)


def _as_2d(X: Any) -> np.ndarray | None:
    if X is None:
        return None
    X = np.asarray(X, dtype=np.float64)
    return X.reshape(len(X), -1)


def _first_column(y: Any) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    return y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y
