"""HistogramView: every layer's weights, activations or gradients as distributions over
time (TensorBoard's "distributions"/"histograms", live and without a server).

One cell per layer: an image whose x axis is the training step and y axis the value, dark
where many values lie (each moment's histogram scaled to its own peak), with the median
(red line) and the 5th and 95th percentiles (dashed); beside it the current histogram as bars
on the same value axis.

The view does no math: the worker computes the histograms with the engine and sends them;
the view keeps them in an engine ``HistogramHistory``.

API for the main window::

    view = HistogramView()
    view.reset(layer_names, activations)   # e.g. ["Hidden 1", ..., "Output"], ["tanh", ...]
    view.append(step, hists)               # hists = {kind: (edges (L, bins+1), counts (L, bins))}

The worker must build ``hists`` at snapshot time with
``nnstudio.engine.histograms.all_histograms(network, bins=30, X=X_sample)`` (or
``layer_histograms(network, kind, bins)`` for each kind in ``KINDS``): weights, the
activations of a forward pass over ``X_sample`` (e.g. up to 256 training rows; without it
the last forward pass is used) and the gradients dJ/dW of the last mini-batch. A few
histograms a second are plenty (the history keeps at most 300 rows per kind and thins).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from nnstudio.engine.histograms import (
    DEFAULT_CAPACITY,
    KIND_TITLES,
    KINDS,
    HistogramHistory,
    layer_names_for,
    layer_summary,
)
from nnstudio.gui.plots_common import (
    MUTED_TEXT,
    TEXT_COLOR,
    caption_label,
    format_sci,
    graphics_view,
    info_label,
    layer_label,
    stack,
    style_plot,
    title_label,
)

CAPTIONS = {
    "weights": "How each layer's weights are spread. Training usually widens them slowly; "
               "with L2 they stay narrow.",
    "activations": "What each layer's neurons output on a sample of the training data. "
                   "Piles at ±1 (tanh) or 0/1 (sigmoid) mean saturated neurons; a ReLU "
                   "layer piled at 0 has dead neurons.",
    "gradients": "The gradients dJ/dW of the last mini-batch. A distribution squeezed to 0 "
                 "in the first layers is the vanishing gradient.",
}
#: white -> deep blue, for "how many values lie here"
_CMAP = pg.ColorMap([0.0, 0.15, 0.5, 1.0],
                    [(255, 255, 255), (198, 219, 239), (66, 146, 198), (8, 48, 107)])
GAMMA = 0.6  # < 1: tails stay visible next to a tall peak


class _LayerCell:
    """An image plot (step × value) and a bar plot (the current histogram) for one layer."""

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, title: str) -> None:
        self.image_plot = layout.addPlot(row=row, col=col)
        style_plot(self.image_plot, grid=False, font_pt=7.5)
        self.image_plot.setTitle(title, color=TEXT_COLOR, size="8.5pt")
        self.image_plot.getAxis("left").setWidth(44)
        self.image_plot.getAxis("bottom").setHeight(20)
        self.image_plot.setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(_CMAP.getLookupTable(nPts=256))
        self.image_plot.addItem(self.image)
        # the median and the 5th / 95th percentiles: visible even when the spread is
        # thinner than a pixel
        self.median = pg.PlotDataItem(pen=pg.mkPen((214, 39, 40), width=1.2), connect="finite")
        self.band = [pg.PlotDataItem(pen=pg.mkPen((214, 39, 40, 120), width=1,
                                                  style=QtCore.Qt.PenStyle.DashLine),
                                     connect="finite") for _ in range(2)]
        for item in (*self.band, self.median):
            self.image_plot.addItem(item)
            item.setZValue(5)
        self.empty = pg.TextItem("no data yet", color=MUTED_TEXT, anchor=(0.5, 0.5))
        self.image_plot.addItem(self.empty)
        self.empty.setPos(0.5, 0.5)
        self.image_plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)

        self.bar_plot = layout.addPlot(row=row, col=col + 1)
        style_plot(self.bar_plot, grid=False, font_pt=7.0)
        self.bar_plot.setTitle("now", color=MUTED_TEXT, size="7.5pt")
        self.bar_plot.hideAxis("left")
        self.bar_plot.getAxis("bottom").setStyle(showValues=False, tickLength=0)
        self.bar_plot.getAxis("bottom").setTicks([[], []])
        self.bar_plot.getAxis("bottom").setHeight(20)
        self.bar_plot.setMouseEnabled(x=False, y=False)
        self.bar_plot.setMaximumWidth(70)
        self.bar_plot.setMinimumWidth(44)
        self.bar_plot.setYLink(self.image_plot)
        self.bars = pg.BarGraphItem(x0=[0], y=[0], width=[0], height=[0],
                                    brush=pg.mkBrush(66, 146, 198, 200), pen=pg.mkPen(None))
        self.bar_plot.addItem(self.bars)
        layout.layout.setColumnStretchFactor(col, 5)
        layout.layout.setColumnStretchFactor(col + 1, 1)

    def show(self, image: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
             latest: tuple[np.ndarray, np.ndarray] | None,
             percentiles: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        if percentiles is not None and image is not None:
            steps, values = percentiles
            self.band[0].setData(steps, values[:, 0])
            self.median.setData(steps, values[:, 1])
            self.band[1].setData(steps, values[:, 2])
        else:
            for item in (*self.band, self.median):
                item.setData([], [])
        if image is None:
            self.image.clear()
            self.bars.setOpts(x0=[0], y=[0], width=[0], height=[0])
            self.empty.setVisible(True)
            self.image_plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            self.image_plot.getAxis("left").setStyle(showValues=False)
            self.image_plot.getAxis("bottom").setStyle(showValues=False)
            self.empty.setPos(0.5, 0.5)
            return
        self.empty.setVisible(False)
        self.image_plot.getAxis("left").setStyle(showValues=True)
        self.image_plot.getAxis("bottom").setStyle(showValues=True)
        img, steps, edges = image
        # rows of img are moments, columns are bins: as an image, x = time and y = value
        self.image.setImage(img.T, autoLevels=False, levels=(0.0, 1.0))
        x0 = float(steps[0])
        x1 = float(steps[-1]) if len(steps) > 1 else x0 + 1.0
        if x1 <= x0:
            x1 = x0 + 1.0
        self.image.setRect(QtCore.QRectF(x0, float(edges[0]), x1 - x0,
                                         float(edges[-1] - edges[0])))
        self.image_plot.setRange(xRange=(x0, x1), yRange=(float(edges[0]), float(edges[-1])),
                                 padding=0)
        if latest is not None:
            l_edges, counts = latest
            peak = counts.max() if counts.size and counts.max() > 0 else 1.0
            self.bars.setOpts(x0=np.zeros(len(counts)), y=0.5 * (l_edges[:-1] + l_edges[1:]),
                              width=counts / peak, height=np.diff(l_edges))
            self.bar_plot.setXRange(0, 1.05, padding=0)
            summary = layer_summary(l_edges, counts)
            self.image_plot.setToolTip(
                f"now: mean {format_sci(summary['mean'])}, std {format_sci(summary['std'])}, "
                f"90 % within [{format_sci(summary['p5'])}, {format_sci(summary['p95'])}]")


class HistogramView(QtWidgets.QWidget):
    """Distributions over time per layer; ``reset(layer_names)`` then ``append(step, hists)``."""

    def __init__(self, parent: QtWidgets.QWidget | None = None,
                 capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        self.history = HistogramHistory(capacity=capacity)
        self._names: list[str] = []
        self._activations: list[str | None] = []
        self._kind = "weights"
        self._dirty = False
        self.cells: list[_LayerCell] = []

        self.title = title_label("Distributions over time")
        self.kind_buttons: dict[str, QtWidgets.QToolButton] = {}
        group = QtWidgets.QButtonGroup(self)
        group.setExclusive(True)
        header = QtWidgets.QHBoxLayout()
        header.setContentsMargins(6, 2, 6, 0)
        header.setSpacing(4)
        header.addWidget(self.title)
        header.addSpacing(12)
        for kind in KINDS:
            button = QtWidgets.QToolButton()
            button.setText(KIND_TITLES[kind])
            button.setCheckable(True)
            button.setToolTip(CAPTIONS[kind])
            button.clicked.connect(lambda _=False, k=kind: self.set_kind(k))
            group.addButton(button)
            header.addWidget(button)
            self.kind_buttons[kind] = button
        self.kind_buttons[self._kind].setChecked(True)
        header.addSpacing(12)
        self.same_scale = QtWidgets.QCheckBox("Same scale for all layers")
        self.same_scale.setToolTip("One value axis for every layer, so their spreads can be "
                                   "compared directly (vanishing gradients collapse to a "
                                   "line at 0).")
        self.same_scale.toggled.connect(lambda _: self._redraw())
        header.addWidget(self.same_scale)
        header.addStretch(1)
        self.step_label = info_label(8.0, muted=True)
        self.step_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                                      QtWidgets.QSizePolicy.Policy.Preferred)
        header.addWidget(self.step_label)

        self.graphics = graphics_view(margins=(2, 2, 6, 2), spacing=2)
        self.caption = caption_label(CAPTIONS[self._kind])
        stack(self, header, self.graphics, self.caption, spacing=2)
        self.setMinimumSize(320, 220)

        # redraw at most ~10 times a second however often append() is called
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._redraw)

    # --- API -----------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self._kind

    def reset(self, layer_names: list[str], activations: list[str] | None = None) -> None:
        """A new network: one cell per layer, history cleared."""
        self.history.clear()
        self._names = list(layer_names)
        acts = list(activations or [])
        self._activations = acts + [None] * (len(self._names) - len(acts))
        self._build_cells()
        self.step_label.setText("")
        self._redraw()

    def append(self, step: int, hists: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Histograms at training ``step``: ``{kind: (edges (L, bins + 1), counts (L, bins))}``
        as ``engine.histograms.all_histograms`` returns. Kinds may be left out."""
        if hists:
            n = max(np.shape(counts)[0] for _, counts in hists.values())
            if n != len(self.cells):  # reset() was not called for this network
                self._names = layer_names_for(self._names, n)
                self._activations = (self._activations + [None] * n)[:n]
                self._build_cells()
        self.history.add_all(step, hists)
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def set_kind(self, kind: str) -> None:
        """Show ``weights``, ``activations`` or ``gradients``."""
        if kind not in KINDS:
            raise ValueError(f"unknown histogram kind {kind!r} (known: {', '.join(KINDS)})")
        self._kind = kind
        self.kind_buttons[kind].setChecked(True)
        self.caption.setText(CAPTIONS[kind])
        self._redraw()

    def flush(self) -> None:
        """Draw pending data now (tests, screenshots)."""
        self._timer.stop()
        self._redraw()

    # --- drawing -------------------------------------------------------------------------
    def _build_cells(self) -> None:
        self.graphics.ci.clear()
        self.cells = []
        n = len(self._names)
        columns = 1 if n <= 3 else 2 if n <= 6 else 3
        for i, name in enumerate(self._names):
            row, col = divmod(i, columns)
            title = layer_label(name, self._activations[i] if i < len(self._activations)
                                else None)
            self.cells.append(_LayerCell(self.graphics.ci, row, 2 * col, title))

    def _redraw(self) -> None:
        self._dirty = False
        kind = self._kind
        for i, cell in enumerate(self.cells):
            if i < self.history.n_layers(kind):
                cell.show(self.history.image(kind, i, gamma=GAMMA), self.history.latest(kind, i),
                          self.history.percentiles(kind, i, (5, 50, 95)))
            else:
                cell.show(None, None)
        if self.same_scale.isChecked():
            ranges = [self.history.edges(kind, i) for i in range(self.history.n_layers(kind))]
            ranges = [r for r in ranges if r is not None]
            if ranges:
                lo = min(float(r[0]) for r in ranges)
                hi = max(float(r[-1]) for r in ranges)
                for cell in self.cells:
                    cell.image_plot.setYRange(lo, hi, padding=0)
        step = self.history.latest_step(kind)
        self.step_label.setText("" if step is None else f"step {step}")


__all__ = ["HistogramView"]
